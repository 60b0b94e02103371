import CopyTradeCore

extension StandardCopySizer {
    /// Pro-rata close (SPEC §4): `copierQuantity * c / Qt` rounded down to the step; everything
    /// when the trader closes fully or the remainder would be below `minQuantity`; nothing (rule
    /// ``CopyCloseRule/roundedToZero``) when the share rounds to zero steps and the remainder is
    /// tradable. Balance and slippage never enter.
    public func closeQuantity(copierQuantity: Decimal8, traderClosedQuantity: Decimal8, traderQuantityBefore: Decimal8,
                              stepSize: Decimal8, minQuantity: Decimal8) throws(DomainError) -> CopyClosePlan {
        guard copierQuantity.isPositive else {
            throw DomainError.invalid("copierQuantity", "must be greater than 0, got \(copierQuantity)")
        }
        guard traderQuantityBefore.isPositive else {
            throw DomainError.invalid("traderQuantityBefore", "must be greater than 0, got \(traderQuantityBefore)")
        }
        guard traderClosedQuantity.isPositive, traderClosedQuantity <= traderQuantityBefore else {
            throw DomainError.invalid("traderClosedQuantity",
                                      "must be greater than 0 and at most traderQuantityBefore \(traderQuantityBefore), got \(traderClosedQuantity)")
        }
        guard stepSize.isPositive else { throw DomainError.invalid("stepSize", "must be greater than 0") }
        guard !minQuantity.isNegative else { throw DomainError.invalid("minQuantity", "must not be negative") }

        if traderClosedQuantity == traderQuantityBefore {
            return CopyClosePlan(quantity: copierQuantity, remaining: .zero, rule: .traderClosedFully)
        }
        let share = try (copierQuantity.exact * traderClosedQuantity.exact)
            .divided(by: traderQuantityBefore.exact, rounding: .down)
            .rounded(toMultipleOf: stepSize, .down)
        let remaining = try copierQuantity - share
        if remaining < minQuantity {
            return CopyClosePlan(quantity: copierQuantity, remaining: .zero, rule: .remainderBelowMinimum)
        }
        if share.isZero {
            return CopyClosePlan(quantity: .zero, remaining: copierQuantity, rule: .roundedToZero)
        }
        return CopyClosePlan(quantity: share, remaining: remaining, rule: .proRata)
    }
}
