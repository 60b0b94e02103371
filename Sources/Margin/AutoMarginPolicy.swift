import CopyTradeCore

/// What auto margin addition does next for one isolated position (SPEC §3, one step at a time).
public enum AutoMarginAction: Sendable, Hashable {
    /// The position is not liquidatable: nothing to do.
    case none
    /// Cancel the account's pending orders on this symbol, releasing the margin they hold.
    case cancelOrders(releasing: Decimal8)
    /// Move `amount` from the available balance into the position's margin.
    case addMargin(amount: Decimal8)
    /// Close the position at its bankruptcy price; its margin is lost.
    case liquidate
}

/// The facts one decision is made from.
public struct AutoMarginSituation: Sendable, Hashable {
    public var position: PositionState
    public var risk: RiskParameters
    public var mark: Decimal8
    /// The account's available balance.
    public var available: Decimal8
    /// Margin held by the account's pending orders on this symbol, released if they are cancelled.
    public var cancellableOrderMargin: Decimal8

    public init(position: PositionState, risk: RiskParameters, mark: Decimal8, available: Decimal8,
                cancellableOrderMargin: Decimal8 = .zero) {
        self.position = position
        self.risk = risk
        self.mark = mark
        self.available = available
        self.cancellableOrderMargin = cancellableOrderMargin
    }

    /// Refuses a non-positive mark and negative balances, naming the field.
    public func validate() throws(DomainError) {
        try validateMark(mark)
        guard !available.isNegative else { throw DomainError.invalid("available", "must not be negative, got \(available)") }
        guard !cancellableOrderMargin.isNegative else {
            throw DomainError.invalid("cancellableOrderMargin", "must not be negative, got \(cancellableOrderMargin)")
        }
    }
}

/// Decides the next auto-margin step; a caller applies it and asks again until `.none` or
/// `.liquidate` (see ``AutoMarginWalk``). Other policies (e.g. top up to a target risk rate)
/// are plugins implementing this.
public protocol AutoMarginPolicy: Sendable {
    /// The one action to take now, judged with `strategy`.
    func decide(_ situation: AutoMarginSituation, strategy: any MarginStrategy) throws(DomainError) -> AutoMarginAction
}

/// SPEC §3's rule: when liquidatable, cancel margin-holding orders first, then add
/// `min(A, available)` while money is available, and liquidate when nothing is left.
public struct FixedAmountAutoMargin: AutoMarginPolicy, Hashable {
    /// The owner's amount `A` per addition, > 0.
    public let amount: Decimal8

    /// Refuses an amount that is not positive, naming `amount`.
    public init(amount: Decimal8) throws(DomainError) {
        guard amount.isPositive else { throw DomainError.invalid("amount", "must be greater than 0, got \(amount)") }
        self.amount = amount
    }

    public func decide(_ situation: AutoMarginSituation, strategy: any MarginStrategy) throws(DomainError) -> AutoMarginAction {
        try situation.validate()
        guard try strategy.isLiquidatable(situation.position, risk: situation.risk, at: situation.mark) else { return .none }
        if situation.cancellableOrderMargin.isPositive { return .cancelOrders(releasing: situation.cancellableOrderMargin) }
        if situation.available.isPositive { return .addMargin(amount: Decimal8.minimum(amount, situation.available)) }
        return .liquidate
    }
}

/// Auto margin switched off (the default): a liquidatable position is liquidated.
public struct NoAutoMargin: AutoMarginPolicy, Hashable {
    public init() {}

    public func decide(_ situation: AutoMarginSituation, strategy: any MarginStrategy) throws(DomainError) -> AutoMarginAction {
        try situation.validate()
        return try strategy.isLiquidatable(situation.position, risk: situation.risk, at: situation.mark) ? .liquidate : .none
    }
}
