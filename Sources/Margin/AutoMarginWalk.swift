import CopyTradeCore

/// One step taken by auto margin addition, as recorded in the account's history.
public struct AutoMarginEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case ordersCancelled
        case marginAdded
        case liquidated
    }

    /// The mark that triggered the step.
    public var mark: Decimal8
    public var kind: Kind
    /// Margin released (cancel), added (add) or lost (liquidation).
    public var amount: Decimal8
    /// The position's margin after the step (0 once liquidated).
    public var margin: Decimal8
    /// The liquidation price after the step; nil once liquidated or when there is none.
    public var liquidationPrice: LiquidationPrice?
    /// The account's available balance after the step.
    public var available: Decimal8
    /// For a liquidation, the bankruptcy price the position was closed at.
    public var closePrice: Decimal8?

    public init(mark: Decimal8, kind: Kind, amount: Decimal8, margin: Decimal8, liquidationPrice: LiquidationPrice?,
                available: Decimal8, closePrice: Decimal8?) {
        self.mark = mark
        self.kind = kind
        self.amount = amount
        self.margin = margin
        self.liquidationPrice = liquidationPrice
        self.available = available
        self.closePrice = closePrice
    }
}

/// Walks one isolated position along a path of marks, applying a policy's actions to a
/// simulated position and account: cancel releases held margin into `available`, an addition
/// moves money into the margin, a liquidation closes the position at its bankruptcy price.
/// Used by the calculator's `automargin` command and by tests; the coordinator applies the
/// same actions to its real state.
public struct AutoMarginWalk: Sendable {
    public let strategy: any MarginStrategy
    public let policy: any AutoMarginPolicy
    public let risk: RiskParameters
    public private(set) var position: PositionState
    public private(set) var available: Decimal8
    /// Margin held by pending orders on the symbol that can still be cancelled.
    public private(set) var cancellableOrderMargin: Decimal8
    /// True once the position has been liquidated; later marks do nothing.
    public private(set) var isLiquidated = false
    /// Refuse a mark that would need more steps than this (an amount far too small for the gap).
    public var maxStepsPerMark = 10_000

    public init(position: PositionState, risk: RiskParameters, available: Decimal8, cancellableOrderMargin: Decimal8 = .zero,
                strategy: any MarginStrategy, policy: any AutoMarginPolicy) throws(DomainError) {
        guard position.mode == .isolated else { throw DomainError.invalid("mode", "auto margin applies to isolated positions only") }
        try position.validate(maxLeverage: risk.maxLeverage)
        try AutoMarginSituation(position: position, risk: risk, mark: position.entryPrice, available: available,
                                cancellableOrderMargin: cancellableOrderMargin).validate()
        self.position = position
        self.risk = risk
        self.available = available
        self.cancellableOrderMargin = cancellableOrderMargin
        self.strategy = strategy
        self.policy = policy
    }

    /// Applies every action one mark calls for, in order, and returns them as events.
    public mutating func apply(mark: Decimal8) throws(DomainError) -> [AutoMarginEvent] {
        try validateMark(mark)
        var events: [AutoMarginEvent] = []
        while !isLiquidated {
            guard events.count < maxStepsPerMark else {
                throw DomainError(.outOfRange, field: "amount", "needs more than \(maxStepsPerMark) steps at mark \(mark); raise the amount")
            }
            let situation = AutoMarginSituation(position: position, risk: risk, mark: mark, available: available,
                                                cancellableOrderMargin: cancellableOrderMargin)
            switch try policy.decide(situation, strategy: strategy) {
            case .none:
                return events
            case .cancelOrders(let released):
                let amount = Decimal8.minimum(released, cancellableOrderMargin)
                cancellableOrderMargin = try cancellableOrderMargin - amount
                available = try available + amount
                events.append(try event(mark, .ordersCancelled, amount))
            case .addMargin(let requested):
                let amount = Decimal8.minimum(requested, available)
                guard amount.isPositive else { throw DomainError(.internal, field: "amount", "policy added nothing") }
                available = try available - amount
                position.margin = try position.margin + amount
                events.append(try event(mark, .marginAdded, amount))
            case .liquidate:
                let lost = position.margin
                let close = try strategy.bankruptcyPrice(of: position, risk: risk)
                position.margin = .zero
                isLiquidated = true
                events.append(AutoMarginEvent(mark: mark, kind: .liquidated, amount: lost, margin: .zero,
                                              liquidationPrice: nil, available: available, closePrice: close))
            }
        }
        return events
    }

    /// Applies each mark of `path` in turn and returns all events.
    public mutating func walk(_ path: [Decimal8]) throws(DomainError) -> [AutoMarginEvent] {
        var events: [AutoMarginEvent] = []
        for mark in path { events += try apply(mark: mark) }
        return events
    }

    private func event(_ mark: Decimal8, _ kind: AutoMarginEvent.Kind, _ amount: Decimal8) throws(DomainError) -> AutoMarginEvent {
        AutoMarginEvent(mark: mark, kind: kind, amount: amount, margin: position.margin,
                        liquidationPrice: try strategy.liquidationPrice(of: position, risk: risk),
                        available: available, closePrice: nil)
    }
}
