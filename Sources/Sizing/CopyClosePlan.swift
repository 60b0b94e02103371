import CopyTradeCore

/// Which closing rule produced a copier's close quantity (SPEC §4).
public enum CopyCloseRule: String, Sendable, Hashable, CaseIterable, Codable {
    /// The same fraction as the trader, rounded down to the step.
    case proRata
    /// The trader closed the whole position, so the copier closes all of it.
    case traderClosedFully
    /// The pro-rata remainder would be below the minimum quantity, so the copier closes all of it.
    case remainderBelowMinimum
    /// The pro-rata amount rounds down to zero steps and the remainder is tradable: nothing is
    /// closed now, and the coordinator records it (the next trader close catches up, because the
    /// fraction is taken of the copier's whole position each time).
    case roundedToZero
}

/// A copier's close order for one trader close.
public struct CopyClosePlan: Sendable, Hashable {
    /// Quantity to close (zero for ``CopyCloseRule/roundedToZero``).
    public var quantity: Decimal8
    /// The copier's quantity left open afterwards.
    public var remaining: Decimal8
    /// The rule that applied.
    public var rule: CopyCloseRule

    public init(quantity: Decimal8, remaining: Decimal8, rule: CopyCloseRule) {
        self.quantity = quantity
        self.remaining = remaining
        self.rule = rule
    }

    /// True when the copier's position is closed entirely.
    public var closesAll: Bool { rule == .traderClosedFully || rule == .remainderBelowMinimum }
}
