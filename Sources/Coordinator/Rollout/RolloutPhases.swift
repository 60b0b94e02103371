import CopyTradeCore
import CopyTradeProto
import Foundation
import Sync

/// Margin-sync rollout phases as an operator writes them (docs/sizing-and-sync.md): a name, a
/// start, and who is covered — `markets`, `regions`, a `share` of traders, or `everyone` — where
/// the filters given together must all match ("a share of the traders in these markets").
/// On the wire the share (else the markets, else the regions) is the sync module's rule and the
/// other lists narrow it, so the module needs nothing beyond its own `RolloutPhase`.
public enum RolloutPhases {
    /// More phases than anyone schedules; bounds what a file or a call can make every signal check.
    public static let maxPhases = 100
    public static let maxNameLength = 64

    /// Margin sync for every trader from the epoch: the default when no phases are configured.
    public static var everyone: [Copytrade_V1_RolloutPhase] {
        [phase(name: "everyone", startsMs: 0, markets: [], regions: [], share: nil, everyone: true)]
    }

    /// The wire phase for a file's fields (checked by ``validate(_:field:)``, not here).
    public static func phase(name: String, startsMs: Millis, markets: [String], regions: [String], share: Decimal8?,
                             everyone: Bool) -> Copytrade_V1_RolloutPhase {
        var p = Copytrade_V1_RolloutPhase()
        p.name = name
        p.startsMs = startsMs
        if let share {
            p.rule = .share
            p.shareE8 = share.units
            p.withinMarkets = markets
            p.withinRegions = regions
        } else if !markets.isEmpty {
            p.rule = .markets
            p.values = markets
            p.withinRegions = regions
        } else if !regions.isEmpty {
            p.rule = .regions
            p.values = regions
        } else if everyone {
            p.rule = .everyone
        }
        return p
    }

    /// The markets a phase requires (its rule's list, or its narrowing), for views.
    public static func markets(of p: Copytrade_V1_RolloutPhase) -> [String] { p.rule == .markets ? p.values : p.withinMarkets }
    public static func regions(of p: Copytrade_V1_RolloutPhase) -> [String] { p.rule == .regions ? p.values : p.withinRegions }
    public static func share(of p: Copytrade_V1_RolloutPhase) -> Decimal8? { p.rule == .share ? Decimal8(units: p.shareE8) : nil }

    /// Refuses phases an operator could misread, naming the field (`phases[1].share`) and the
    /// rule: names present, unique and printable; starts not before the epoch and in order (a
    /// plan reads top to bottom as it unfolds); lists non-empty without blank entries; shares
    /// between 0 and 1; `everyone` alone. The sync module's own checks run last, so a plan
    /// accepted here is one it accepts.
    public static func validate(_ phases: [Copytrade_V1_RolloutPhase], field: String = "phases") throws(DomainError) {
        guard phases.count <= maxPhases else { throw DomainError.invalid(field, "at most \(maxPhases) phases, got \(phases.count)") }
        var names: [String: Int] = [:]
        // Messages name sibling phases without the file a field may start with (`c.yaml: engine.rollout`).
        let list = field.components(separatedBy: ": ").last ?? field
        for (i, p) in phases.enumerated() {
            let at = "\(field)[\(i)]"
            if p.name.isEmpty { throw DomainError.invalid("\(at).name", "is required") }
            if p.name.count > maxNameLength { throw DomainError.invalid("\(at).name", "must be at most \(maxNameLength) characters") }
            if !printable(p.name) { throw DomainError.invalid("\(at).name", "must not contain control characters") }
            if let first = names[p.name] { throw DomainError.invalid("\(at).name", "\"\(p.name)\" is already the name of \(list)[\(first)]") }
            names[p.name] = i
            if p.startsMs < 0 { throw DomainError.invalid("\(at).start", "must not be before 1970-01-01T00:00:00Z") }
            if i > 0, p.startsMs < phases[i - 1].startsMs {
                throw DomainError.invalid("\(at).start", "\(UTCTime.format(p.startsMs)) is before \(list)[\(i - 1)].start "
                                          + "\(UTCTime.format(phases[i - 1].startsMs)); list phases in start order")
            }
            try checkRule(p, at)
        }
        do throws(DomainError) {
            _ = try RolloutPlan(phases: try phases.enumerated().map { i, p throws(DomainError) in try SyncWire.phase(p, index: i) })
        } catch {
            throw DomainError(error.code, field: error.field.replacingOccurrences(of: "phases[", with: "\(field)["), error.message)
        }
    }

    static func checkRule(_ p: Copytrade_V1_RolloutPhase, _ at: String) throws(DomainError) {
        switch p.rule {
        case .markets, .regions:
            let key = p.rule == .markets ? "markets" : "regions"
            if p.values.isEmpty { throw DomainError.invalid("\(at).\(key)", "must list at least one") }
            if p.rule == .regions, !p.withinMarkets.isEmpty {
                throw DomainError.invalid("\(at).markets", "a regions rule is narrowed by within_regions only")
            }
        case .share:
            let s = Decimal8(units: p.shareE8)
            if s.isNegative || s > .one { throw DomainError.invalid("\(at).share", "must be between 0 and 1, got \(s)") }
            if !p.values.isEmpty { throw DomainError.invalid("\(at).values", "is for markets and regions rules only") }
        case .everyone:
            if !p.values.isEmpty || !p.withinMarkets.isEmpty || !p.withinRegions.isEmpty {
                throw DomainError.invalid("\(at).everyone", "cannot be combined with markets, regions or share")
            }
        case .unspecified, .UNRECOGNIZED:
            throw DomainError.invalid(at, "needs markets, regions, share or everyone: true")
        }
        for (key, list) in [("markets", markets(of: p)), ("regions", regions(of: p))] {
            for (j, v) in list.enumerated() where v.isEmpty || !printable(v) {
                throw DomainError.invalid("\(at).\(key)[\(j)]", "must be a non-empty name without control characters")
            }
        }
    }

    static func printable(_ s: String) -> Bool {
        !s.unicodeScalars.contains { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format }
    }
}
