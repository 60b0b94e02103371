import CopyTradeCore

/// Sizes copy orders, recommends multipliers and splits closes: the swappable part of SPEC §4.
/// Pure functions of their inputs; bad input throws a ``DomainError`` naming the field.
public protocol CopySizer: Sendable {
    /// Sizes one copier's opening order for a trader fill, or says why it is skipped.
    func plan(_ request: CopyOrderRequest) throws(DomainError) -> CopySizingOutcome

    /// The multiplier range to show a copier with equity `copierEquity` following `traderEquity`.
    func recommend(copierEquity: Decimal8, traderEquity: Decimal8) throws(DomainError) -> MultiplierRange

    /// The copier's close when the trader closes `traderClosedQuantity` of `traderQuantityBefore`.
    func closeQuantity(copierQuantity: Decimal8, traderClosedQuantity: Decimal8, traderQuantityBefore: Decimal8,
                       stepSize: Decimal8, minQuantity: Decimal8) throws(DomainError) -> CopyClosePlan
}
