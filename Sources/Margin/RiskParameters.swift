import CopyTradeCore

/// The maintenance values that apply to one position: `mmr` and `cum` of its tier.
public struct MaintenanceRate: Sendable, Hashable, Codable {
    public var mmr: Decimal8
    public var cum: Decimal8

    public init(mmr: Decimal8, cum: Decimal8) {
        self.mmr = mmr
        self.cum = cum
    }
}

/// Values a caller forces on top of a preset (the calculator's `--mmr`, `--cum`, `--fee`).
public struct RiskOverrides: Sendable, Hashable, Codable {
    /// Replaces the `mmr` of whichever tier the position falls in.
    public var mmr: Decimal8?
    /// Replaces the `cum` of whichever tier the position falls in.
    public var cum: Decimal8?
    /// Replaces the fee rate `f` counted in maintenance.
    public var feeRate: Decimal8?

    public init(mmr: Decimal8? = nil, cum: Decimal8? = nil, feeRate: Decimal8? = nil) {
        self.mmr = mmr
        self.cum = cum
        self.feeRate = feeRate
    }

    /// True when nothing is overridden.
    public var isEmpty: Bool { mmr == nil && cum == nil && feeRate == nil }
}

/// Everything the margin formulas need about a symbol under one exchange rule set.
public struct RiskParameters: Sendable, Hashable, Codable {
    /// Maintenance tiers in increasing ceiling; the tier is chosen by entry notional `q*E`.
    public var tiers: [MaintenanceTier]
    /// Fee rate `f` counted in the maintenance requirement (the taker fee to close, or 0).
    public var feeRate: Decimal8
    /// Highest leverage a position may use.
    public var maxLeverage: Int
    /// Price tick, for liquidation prices shown on the tick.
    public var tickSize: Decimal8
    /// Forced tier values, applied after the tier is chosen.
    public var overrides: RiskOverrides

    public init(tiers: [MaintenanceTier], feeRate: Decimal8, maxLeverage: Int, tickSize: Decimal8,
                overrides: RiskOverrides = RiskOverrides()) {
        self.tiers = tiers
        self.feeRate = feeRate
        self.maxLeverage = maxLeverage
        self.tickSize = tickSize
        self.overrides = overrides
        if let f = overrides.feeRate { self.feeRate = f }
    }

    /// The tier values for a position of entry notional `notional`: the first tier whose
    /// ceiling is at least it (the last beyond every ceiling), then any override.
    public func maintenanceRate(forNotional notional: Decimal8) -> MaintenanceRate {
        var chosen = tiers.last.map { MaintenanceRate(mmr: $0.mmr, cum: $0.cum) } ?? MaintenanceRate(mmr: .zero, cum: .zero)
        for t in tiers where notional <= t.notionalCeiling {
            chosen = MaintenanceRate(mmr: t.mmr, cum: t.cum)
            break
        }
        if let mmr = overrides.mmr { chosen.mmr = mmr }
        if let cum = overrides.cum { chosen.cum = cum }
        return chosen
    }

    /// Refuses parameters under which the formulas lose their meaning, naming the field.
    public func validate() throws(DomainError) {
        guard !tiers.isEmpty else { throw DomainError.invalid("tiers", "must have at least one tier") }
        guard maxLeverage >= 1 else { throw DomainError.invalid("maxLeverage", "must be at least 1") }
        guard tickSize.isPositive else { throw DomainError.invalid("tickSize", "must be greater than 0") }
        guard !feeRate.isNegative, feeRate < .one else { throw DomainError.invalid("feeRate", "must be in [0, 1), got \(feeRate)") }
        for (i, t) in tiers.enumerated() {
            let mmr = overrides.mmr ?? t.mmr
            let cum = overrides.cum ?? t.cum
            // The field name is built only when refusing: this runs on every evaluation.
            func field() -> String { overrides.mmr == nil ? "tiers[\(i)].mmr" : "mmr" }
            guard !mmr.isNegative else { throw DomainError.invalid(field(), "must not be negative, got \(mmr)") }
            // A long's requirement must grow more slowly than its value, or no price is safe.
            guard try (mmr + feeRate) < .one else { throw DomainError.invalid(field(), "plus the fee rate must be below 1") }
            guard !cum.isNegative else {
                throw DomainError.invalid(overrides.cum == nil ? "tiers[\(i)].cum" : "cum", "must not be negative, got \(cum)")
            }
        }
    }
}
