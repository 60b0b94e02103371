import CopyTradeCore

extension StandardCopySizer {
    /// `0.5*Ec/Et ... 1.0*Ec/Et`, each computed exactly, rounded down to 1e-8 (never recommending
    /// more exposure than the equity ratio) and then clamped into ``bounds``.
    /// A front end that shows two decimals rounds the displayed text itself.
    public func recommend(copierEquity: Decimal8, traderEquity: Decimal8) throws(DomainError) -> MultiplierRange {
        guard copierEquity.isPositive else {
            throw DomainError.invalid("copierEquity", "must be greater than 0, got \(copierEquity)")
        }
        guard traderEquity.isPositive else {
            throw DomainError.invalid("traderEquity", "must be greater than 0, got \(traderEquity)")
        }
        let half = ExactDecimal(mantissa: 5, scale: 1)
        let lower = try (copierEquity.exact * half).divided(by: traderEquity.exact, rounding: .down)
        let upper = try copierEquity.exact.divided(by: traderEquity.exact, rounding: .down)
        return MultiplierRange(lower: bounds.clamp(lower), upper: bounds.clamp(upper))
    }
}
