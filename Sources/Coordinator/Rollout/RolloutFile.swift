import CopyTradeCore
import CopyTradeProto
import Foundation
import Yams

/// Rollout phases in YAML: a rollout file (`copyctl rollout set FILE`, or named by the
/// configuration's `engine.rollout`), or the list written inline as `engine.rollout`:
///
/// ```yaml
/// phases:
///   - name: spanish-share
///     start: 2026-07-02            # midnight UTC; or 2026-07-02T00:00:00Z, or ms since the epoch
///     markets: [ES, MX, AR]
///     share: "0.25"                # with markets: a quarter of the traders in those markets
///   - { name: everyone, start: 2026-07-16, everyone: true }
/// ```
/// Only the form is checked here (keys, types, times, decimals), each mistake naming its path;
/// the rules of a plan are ``RolloutPhases/validate(_:field:)``'s, applied by whoever takes the
/// plan in (the configuration reader, the engine).
public enum RolloutFile {
    /// Reads a phase's `start:` text when it is not a calendar time or epoch milliseconds
    /// (scenario files accept their own offsets, docs/scenarios.md).
    public typealias TimeReader = @Sendable (String) -> Millis?

    static let phaseKeys = ["name", "start", "markets", "regions", "share", "everyone"]

    /// The phases of the rollout file at `path`; errors name `phases[i].key`, prefixed by
    /// `prefix` (a configuration names the file it read).
    public static func load(path: String, prefix: String = "", time: TimeReader? = nil) throws(DomainError) -> [Copytrade_V1_RolloutPhase] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DomainError.notFound(prefix.isEmpty ? "file" : prefix, "cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), prefix: prefix, time: time)
    }

    /// The phases of a rollout file's text: a mapping with `phases:` (a list, possibly empty).
    public static func parse(_ text: String, prefix: String = "", time: TimeReader? = nil) throws(DomainError) -> [Copytrade_V1_RolloutPhase] {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw DomainError.invalid(prefix.isEmpty ? "file" : prefix, "is not valid YAML: \(error)")
        }
        guard let root = node?.mapping else {
            throw DomainError.invalid(prefix.isEmpty ? "file" : prefix, "must be a mapping with phases: (a list of phases)")
        }
        var phases: Node?
        for (k, v) in root {
            guard k.string == "phases" else { throw DomainError.invalid(prefix + (k.string ?? "?"), "unknown key (expected phases)") }
            guard phases == nil else { throw DomainError.invalid(prefix + "phases", "is given twice") }
            phases = v
        }
        guard let phases else { throw DomainError.invalid(prefix + "phases", "is required (a list of phases; [] for none)") }
        return try list(phases, field: prefix + "phases", time: time)
    }

    /// A YAML list of phases at `field` (`phases`, `config.yaml: engine.rollout`).
    public static func list(_ node: Node, field: String, time: TimeReader? = nil) throws(DomainError) -> [Copytrade_V1_RolloutPhase] {
        guard let items = node.sequence else { throw DomainError.invalid(field, "must be a list of phases") }
        guard items.count <= RolloutPhases.maxPhases else {
            throw DomainError.invalid(field, "at most \(RolloutPhases.maxPhases) phases, got \(items.count)")
        }
        var out: [Copytrade_V1_RolloutPhase] = []
        for (i, item) in items.enumerated() { out.append(try phase(item, field: "\(field)[\(i)]", time: time)) }
        return out
    }

    static func phase(_ node: Node, field: String, time: TimeReader?) throws(DomainError) -> Copytrade_V1_RolloutPhase {
        guard let m = node.mapping else { throw DomainError.invalid(field, "must be a mapping with name:, start: and who it covers") }
        var seen: Set<String> = []
        var name = "", start: Millis?, markets: [String] = [], regions: [String] = [], share: Decimal8?, everyone = false
        for (k, v) in m {
            let key = k.string ?? "?"
            let at = "\(field).\(key)"
            guard phaseKeys.contains(key) else { throw DomainError.invalid(at, "unknown key (expected \(phaseKeys.joined(separator: ", ")))") }
            guard seen.insert(key).inserted else { throw DomainError.invalid(at, "is given twice") }
            switch key {
            case "name": name = try scalar(v, at)
            case "start": start = try startTime(try scalar(v, at), at, time)
            case "markets": markets = try names(v, at)
            case "regions": regions = try names(v, at)
            case "share": share = try Decimal8(parsing: try scalar(v, at), field: at)
            default: // everyone
                guard let b = v.bool, v.scalar?.style == .plain else { throw DomainError.invalid(at, "must be true or false") }
                everyone = b
            }
        }
        guard let start else { throw DomainError.invalid("\(field).start", "is required (a date, an ISO 8601 time or ms since the epoch)") }
        if everyone, !markets.isEmpty || !regions.isEmpty || share != nil {
            throw DomainError.invalid("\(field).everyone", "cannot be combined with markets, regions or share")
        }
        if !everyone, markets.isEmpty, regions.isEmpty, share == nil, !seen.contains("markets"), !seen.contains("regions") {
            throw DomainError.invalid(field, "needs markets, regions, share or everyone: true")
        }
        if seen.contains("markets"), markets.isEmpty { throw DomainError.invalid("\(field).markets", "must list at least one market") }
        if seen.contains("regions"), regions.isEmpty { throw DomainError.invalid("\(field).regions", "must list at least one region") }
        return RolloutPhases.phase(name: name, startsMs: start, markets: markets, regions: regions, share: share, everyone: everyone)
    }

    static func scalar(_ n: Node, _ at: String) throws(DomainError) -> String {
        guard let s = n.scalar?.string else { throw DomainError.invalid(at, "must be a single value") }
        return s
    }

    static func names(_ n: Node, _ at: String) throws(DomainError) -> [String] {
        guard let seq = n.sequence else { throw DomainError.invalid(at, "must be a list, e.g. [ES, MX]") }
        var out: [String] = []
        for (j, v) in seq.enumerated() {
            let s = try scalar(v, "\(at)[\(j)]")
            if s.isEmpty { throw DomainError.invalid("\(at)[\(j)]", "must not be empty") }
            out.append(s)
        }
        return out
    }

    /// A date (`2026-07-02`, midnight UTC), an ISO 8601 time with its zone, or ms since the epoch.
    static func startTime(_ text: String, _ at: String, _ time: TimeReader?) throws(DomainError) -> Millis {
        if !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }), let ms = Millis(text) { return ms }
        if let ms = UTCTime.parse(text) { return ms }
        if let time, let ms = time(text) { return ms }
        throw DomainError.invalid(at, "must be a date (2026-07-02), an ISO 8601 time with its zone (2026-07-02T00:00:00Z) "
                                  + "or ms since the epoch\(time == nil ? "" : " or a scenario time (1h30m)"), got \"\(text)\"")
    }
}
