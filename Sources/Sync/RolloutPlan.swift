import CopyTradeCore

/// Which traders a rollout phase covers (SPEC §5, gradual rollout).
public enum RolloutRule: Sendable, Hashable {
    /// Traders whose market is listed (exact, case-sensitive match).
    case markets(Set<String>)
    /// Traders whose region is listed (exact, case-sensitive match).
    case regions(Set<String>)
    /// A stable share of traders: FNV-1a 64 of the trader id, `hash % 10000 < share × 10000`.
    /// Growing the share only adds traders.
    case share(Decimal8)
    /// Every trader.
    case everyone
}

/// One phase of the rollout: from `startsAt` on, traders matching `rule` are eligible.
public struct RolloutPhase: Sendable, Hashable {
    /// Name recorded with each eligibility decision.
    public var name: String
    /// When the phase starts (inclusive), in ms since the epoch.
    public var startsAt: Millis
    /// Who the phase covers.
    public var rule: RolloutRule
    /// Narrows `rule` to traders whose market is also listed (empty: no narrowing). A schedule
    /// that first releases to "a share of the traders in some markets" needs the share and the
    /// markets together (docs/sizing-and-sync.md).
    public var withinMarkets: Set<String>
    /// Narrows `rule` to traders whose region is also listed (empty: no narrowing).
    public var withinRegions: Set<String>

    public init(name: String, startsAt: Millis, rule: RolloutRule, withinMarkets: Set<String> = [], withinRegions: Set<String> = []) {
        self.name = name
        self.startsAt = startsAt
        self.rule = rule
        self.withinMarkets = withinMarkets
        self.withinRegions = withinRegions
    }

    /// Whether the phase covers the trader (its start aside).
    func covers(trader: AccountID, market: String, region: String) -> Bool {
        (withinMarkets.isEmpty || withinMarkets.contains(market)) && (withinRegions.isEmpty || withinRegions.contains(region))
            && RolloutPlan.matches(rule, trader: trader, market: market, region: region)
    }
}

/// A margin-sync rollout: eligible when any phase that started at or before the time matches.
/// Phases are kept by start time (stable for equal starts), so the phase reported is the earliest
/// started one that matches.
public struct RolloutPlan: Sendable, Hashable {
    /// Number of hash buckets a share is measured in: shares resolve to 0.01 %.
    public static let buckets: UInt64 = 10_000

    /// The phases, ordered by start time.
    public private(set) var phases: [RolloutPhase]

    /// A validated plan: names non-empty, lists non-empty, shares in [0, 1]. Phases given out of
    /// start order are sorted here; the coordinator's configuration refuses them before
    /// (docs/decisions.md), so what an operator reads is the order that applies.
    public init(phases: [RolloutPhase]) throws(DomainError) {
        for (i, p) in phases.enumerated() {
            if p.name.isEmpty { throw DomainError.invalid("phases[\(i)].name", "must not be empty") }
            switch p.rule {
            case .markets(let m) where m.isEmpty:
                throw DomainError.invalid("phases[\(i)].markets", "must list at least one market")
            case .regions(let r) where r.isEmpty:
                throw DomainError.invalid("phases[\(i)].regions", "must list at least one region")
            case .share(let s) where s.isNegative || s > .one:
                throw DomainError.invalid("phases[\(i)].share", "must be between 0 and 1, got \(s)")
            default: break
            }
        }
        self.phases = phases.enumerated()
            .sorted { ($0.element.startsAt, $0.offset) < ($1.element.startsAt, $1.offset) }
            .map(\.element)
    }

    /// Whether `trader` (in `market` and `region`) was eligible at `at`, and under which phase.
    public func isEligible(trader: AccountID, market: String, region: String, at: Millis) -> (eligible: Bool, phase: String?) {
        for p in phases {
            if p.startsAt > at { break }
            if p.covers(trader: trader, market: market, region: region) { return (true, p.name) }
        }
        return (false, nil)
    }

    static func matches(_ rule: RolloutRule, trader: AccountID, market: String, region: String) -> Bool {
        switch rule {
        case .markets(let m): m.contains(market)
        case .regions(let r): r.contains(region)
        case .share(let s): UInt64(bucket(of: trader)) * (UInt64(Decimal8.unitsPerOne) / buckets) < UInt64(s.units)
        case .everyone: true
        }
    }

    /// The trader's stable bucket in `0..<10000`: FNV-1a 64 of the id's UTF-8 bytes, modulo 10 000.
    public static func bucket(of trader: AccountID) -> Int {
        Int(fnv1a64(trader.rawValue) % buckets)
    }

    /// FNV-1a 64-bit hash of a string's UTF-8 bytes: stable across runs and platforms, unlike `hashValue`.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
