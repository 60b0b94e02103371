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
        return MultiplierRange(lower: try clamped(copierEquity.exact * half, over: traderEquity),
                               upper: try clamped(copierEquity.exact, over: traderEquity))
    }

    /// `numerator / equity` rounded down and clamped into ``bounds``. A ratio above the maximum
    /// is decided by an exact comparison first, so an equity ratio beyond `Decimal8` (a tiny
    /// trader equity) still recommends the maximum instead of overflowing.
    func clamped(_ numerator: ExactDecimal, over equity: Decimal8) throws(DomainError) -> Decimal8 {
        if ExactDecimal.compareProducts(numerator, .one, equity.exact, bounds.maximum.exact) >= 0 { return bounds.maximum }
        return bounds.clamp(try numerator.divided(by: equity.exact, rounding: .down))
    }
}
