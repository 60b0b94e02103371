/// One row of a symbol's maintenance table: positions whose notional is at most
/// `notionalCeiling` use `mmr` and `cum` (SPEC §2).
public struct MaintenanceTier: Sendable, Hashable, Codable {
    /// Upper bound of the notional for this tier (inclusive).
    public var notionalCeiling: Decimal8
    /// Maintenance margin rate.
    public var mmr: Decimal8
    /// Maintenance amount deducted from `notional * mmr`.
    public var cum: Decimal8
    /// Highest leverage allowed in this tier, when the market restricts it.
    public var maxLeverage: Int?

    public init(notionalCeiling: Decimal8, mmr: Decimal8, cum: Decimal8, maxLeverage: Int? = nil) {
        self.notionalCeiling = notionalCeiling
        self.mmr = mmr
        self.cum = cum
        self.maxLeverage = maxLeverage
    }
}

/// The trading rules of one perpetual contract (SPEC §2).
public struct SymbolSpec: Sendable, Hashable, Codable {
    public var symbol: String
    /// Price increment.
    public var tickSize: Decimal8
    /// Quantity increment.
    public var stepSize: Decimal8
    public var minQuantity: Decimal8
    public var minNotional: Decimal8
    public var maxLeverage: Int
    public var takerFeeRate: Decimal8
    public var makerFeeRate: Decimal8
    /// Default slippage-protection ratio `k` for copy orders.
    public var slippage: Decimal8
    /// Tiers in increasing `notionalCeiling`; the last one covers everything above.
    public var tiers: [MaintenanceTier]

    public init(symbol: String, tickSize: Decimal8, stepSize: Decimal8, minQuantity: Decimal8,
                minNotional: Decimal8, maxLeverage: Int, takerFeeRate: Decimal8, makerFeeRate: Decimal8,
                slippage: Decimal8, tiers: [MaintenanceTier]) {
        self.symbol = symbol
        self.tickSize = tickSize
        self.stepSize = stepSize
        self.minQuantity = minQuantity
        self.minNotional = minNotional
        self.maxLeverage = maxLeverage
        self.takerFeeRate = takerFeeRate
        self.makerFeeRate = makerFeeRate
        self.slippage = slippage
        self.tiers = tiers
    }

    /// The tier for a position of this notional: the first whose ceiling is at least it,
    /// the last tier beyond every ceiling.
    @inlinable public func tier(forNotional notional: Decimal8) -> MaintenanceTier {
        for t in tiers where notional <= t.notionalCeiling { return t }
        return tiers[tiers.count - 1]
    }

    /// Checks the spec's own consistency; a market file with a broken spec is refused whole.
    public func validate() throws(DomainError) {
        // The name first: every later message quotes it as `symbols.NAME.field`.
        try SymbolName.validate(symbol, field: "symbol")
        let f = "symbols.\(symbol)"
        if !tickSize.isPositive { throw DomainError.invalid("\(f).tickSize", "must be greater than 0") }
        if !stepSize.isPositive { throw DomainError.invalid("\(f).stepSize", "must be greater than 0") }
        if minQuantity.isNegative { throw DomainError.invalid("\(f).minQuantity", "must not be negative") }
        if minNotional.isNegative { throw DomainError.invalid("\(f).minNotional", "must not be negative") }
        if maxLeverage < 1 { throw DomainError.invalid("\(f).maxLeverage", "must be at least 1") }
        if takerFeeRate.isNegative || takerFeeRate >= .one { throw DomainError.invalid("\(f).takerFeeRate", "must be in [0, 1)") }
        if makerFeeRate >= .one { throw DomainError.invalid("\(f).makerFeeRate", "must be below 1") }
        if slippage.isNegative || slippage >= .one { throw DomainError.invalid("\(f).slippage", "must be in [0, 1)") }
        if tiers.isEmpty { throw DomainError.invalid("\(f).tiers", "must have at least one tier") }
        var previous = Decimal8.min
        for (i, t) in tiers.enumerated() {
            if t.notionalCeiling <= previous { throw DomainError.invalid("\(f).tiers[\(i)].notionalCeiling", "must increase from tier to tier") }
            if t.mmr.isNegative || t.mmr >= .one { throw DomainError.invalid("\(f).tiers[\(i)].mmr", "must be in [0, 1)") }
            if t.cum.isNegative { throw DomainError.invalid("\(f).tiers[\(i)].cum", "must not be negative") }
            previous = t.notionalCeiling
        }
    }
}
