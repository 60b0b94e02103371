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
    /// Isolated margin [`M`], > 0 for an isolated position (it alone backs the position; with
    /// none, "leverage 1" and a liquidation price above entry would be shown). Unused (and may
    /// be 0) for a cross position.
    public var margin: Decimal8
    /// The owner's leverage setting, 1...maxLeverage; it caps what margin may be reduced.
    /// 0 when ``leverageFromMargin``.
    public var leverage: Int
    public var mode: MarginMode
    /// No leverage setting: the effective leverage `q*E/M` applies, exactly (a calculator's
    /// position described by its margin alone). Its initial margin is then `M` itself, and the
    /// reducible-margin term `q*P/leverage` is `P*M/E`, so no integer leverage is ever made up.
    public var leverageFromMargin: Bool

    public init(symbol: String, side: Side, quantity: Decimal8, entryPrice: Decimal8, margin: Decimal8,
                leverage: Int, mode: MarginMode = .isolated, leverageFromMargin: Bool = false) {
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.entryPrice = entryPrice
        self.margin = margin
        self.leverage = leverage
        self.mode = mode
        self.leverageFromMargin = leverageFromMargin
    }

    /// Refuses values the formulas cannot mean: each error names the field and the rule.
    public func validate(maxLeverage: Int) throws(DomainError) {
        guard quantity.isPositive else { throw DomainError.invalid("quantity", "must be greater than 0, got \(quantity)") }
        guard entryPrice.isPositive else { throw DomainError.invalid("entryPrice", "must be greater than 0, got \(entryPrice)") }
        guard !margin.isNegative else { throw DomainError.invalid("margin", "must not be negative, got \(margin)") }
        if mode == .isolated, margin.isZero {
            throw DomainError.invalid("margin", "must be greater than 0 for an isolated position (its margin alone backs it)")
        }
        guard leverageFromMargin else {
            guard (1...max(1, maxLeverage)).contains(leverage) else {
                throw DomainError.invalid("leverage", "must be between 1 and the maximum \(maxLeverage), got \(leverage)")
            }
            return
        }
        guard mode == .isolated, leverage == 0 else {
            throw DomainError.invalid("leverage", "must be 0 with an isolated position when the effective leverage q*E/M applies, got \(leverage)")
        }
        // q*E/M <= maxLeverage, compared exactly: q*E <= M*maxLeverage.
        let notional = try quantity.exact * entryPrice.exact
        if ExactDecimal.compareProducts(notional, .one, margin.exact, ExactDecimal(integer: maxLeverage)) > 0 {
            let least = (try? notional.divided(by: ExactDecimal(integer: maxLeverage), rounding: .up)).map { " = \($0)" } ?? ""
            throw DomainError.invalid("margin", "must be at least q*E/maxLeverage\(least): the effective leverage q*E/M may not exceed \(maxLeverage)")
        }
    }
}

/// Checks a mark price supplied by a caller.
@usableFromInline
func validateMark(_ mark: Decimal8, field: String = "mark") throws(DomainError) {
    guard mark.isPositive else { throw DomainError.invalid(field, "must be greater than 0, got \(mark)") }
}
