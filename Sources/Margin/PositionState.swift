import CopyTradeCore

/// The inputs of one position that the margin formulas need (SPEC §3 notation in brackets).
public struct PositionState: Sendable, Hashable, Codable {
    public var symbol: String
    /// Direction [`s`].
    public var side: Side
    /// Open quantity [`q`], > 0.
    public var quantity: Decimal8
    /// Average entry price [`E`], > 0.
    public var entryPrice: Decimal8
    /// Isolated margin [`M`], ≥ 0. Unused (and may be 0) for a cross position.
    public var margin: Decimal8
    /// The owner's leverage setting, 1...maxLeverage; it caps what margin may be reduced.
    public var leverage: Int
    public var mode: MarginMode

    public init(symbol: String, side: Side, quantity: Decimal8, entryPrice: Decimal8, margin: Decimal8,
                leverage: Int, mode: MarginMode = .isolated) {
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.entryPrice = entryPrice
        self.margin = margin
        self.leverage = leverage
        self.mode = mode
    }

    /// Refuses values the formulas cannot mean: each error names the field and the rule.
    public func validate(maxLeverage: Int) throws(DomainError) {
        guard quantity.isPositive else { throw DomainError.invalid("quantity", "must be greater than 0, got \(quantity)") }
        guard entryPrice.isPositive else { throw DomainError.invalid("entryPrice", "must be greater than 0, got \(entryPrice)") }
        guard !margin.isNegative else { throw DomainError.invalid("margin", "must not be negative, got \(margin)") }
        guard (1...max(1, maxLeverage)).contains(leverage) else {
            throw DomainError.invalid("leverage", "must be between 1 and the maximum \(maxLeverage), got \(leverage)")
        }
    }
}

/// Checks a mark price supplied by a caller.
@usableFromInline
func validateMark(_ mark: Decimal8, field: String = "mark") throws(DomainError) {
    guard mark.isPositive else { throw DomainError.invalid(field, "must be greater than 0, got \(mark)") }
}
