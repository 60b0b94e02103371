import CopyTradeCore

/// A sized copy order, ready to place: every amount the coordinator books (SPEC §4).
public struct CopyOrderPlan: Sendable, Hashable {
    /// Opening side, the trader's.
    public var side: Side
    /// Order quantity: a multiple of the step, never rounded up.
    public var quantity: Decimal8
    /// The placed order's value `quantity × F`, rounded up to 1e-8 (shown as `orderValue`).
    public var openValue: Decimal8
    /// The placed order's margin `quantity × F / L` (from the exact product), rounded up to 1e-8
    /// (shown as `orderMargin`).
    public var margin: Decimal8
    /// Opening fee `quantity × F × f`, rounded up to 1e-8.
    public var fee: Decimal8
    /// Worst acceptable fill: long `F*(1+k)` rounded down, short `F*(1-k)` rounded up, once,
    /// straight to the tick (or to 1e-8 without one), so the order never fills beyond the exact bound.
    public var worstPrice: Decimal8
    /// SPEC §4's "copier's open value", the value the mode aims at: `m*V` or `B*L`, rounded
    /// down to 1e-8 (shown as `copierOpenValue`). The order's value is below it by the fee
    /// reserve and the step rounding.
    public var targetValue: Decimal8
    /// SPEC §4's "copier's margin", the margin the mode allows: `m*V/L` or `B`, rounded down to
    /// 1e-8 (shown as `copierMargin`); `margin + fee ≤ budget`.
    public var budget: Decimal8
    /// The copier's leverage `L`.
    public var leverage: Int

    public init(side: Side, quantity: Decimal8, openValue: Decimal8, margin: Decimal8, fee: Decimal8,
                worstPrice: Decimal8, targetValue: Decimal8, budget: Decimal8, leverage: Int) {
        self.side = side
        self.quantity = quantity
        self.openValue = openValue
        self.margin = margin
        self.fee = fee
        self.worstPrice = worstPrice
        self.targetValue = targetValue
        self.budget = budget
        self.leverage = leverage
    }

    /// What opening costs from the available balance: margin plus fee.
    public var cost: Decimal8 { get throws(DomainError) { try margin + fee } }
}

/// Why a copy order was not placed; checked in this order (SPEC §4).
public enum CopySkipReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// The copy relation is paused.
    case relationPaused
    /// The sized quantity (possibly zero) is below the market's minimum quantity.
    case belowMinimumQuantity
    /// The sized notional is below the market's minimum notional.
    case belowMinimumNotional
    /// The order's margin is above the relation's maximum margin per order.
    case aboveMaxMarginPerOrder
    /// The relation's total copy margin would go above its maximum.
    case aboveMaxTotalCopyMargin
    /// The available balance cannot pay margin plus opening fee.
    case insufficientBalance
}

/// A skipped copy order: the reason and the two numbers that decided it, texts built on demand.
public struct CopySkip: Sendable, Hashable {
    /// Why the order was skipped.
    public var reason: CopySkipReason
    /// The offending amount (quantity, notional, margin, total margin or cost); zero when paused.
    public var value: Decimal8
    /// The limit it broke (minimum, cap or available balance); zero when paused.
    public var limit: Decimal8

    public init(reason: CopySkipReason, value: Decimal8 = .zero, limit: Decimal8 = .zero) {
        self.reason = reason
        self.value = value
        self.limit = limit
    }

    /// A sentence for the event history; built lazily so the hot path allocates nothing.
    public var message: String {
        switch reason {
        case .relationPaused: "the copy relation is paused"
        case .belowMinimumQuantity: "quantity \(value) is below the minimum quantity \(limit)"
        case .belowMinimumNotional: "notional \(value) is below the minimum notional \(limit)"
        case .aboveMaxMarginPerOrder: "margin \(value) is above the maximum margin per order \(limit)"
        case .aboveMaxTotalCopyMargin: "total copy margin \(value) would be above the maximum \(limit)"
        case .insufficientBalance: "margin plus fee \(value) is more than the available balance \(limit)"
        }
    }
}

/// The result of sizing one copy order: a plan to place or a recorded skip.
public enum CopySizingOutcome: Sendable, Hashable {
    case planned(CopyOrderPlan)
    case skipped(CopySkip)

    /// The plan, when the order is placed.
    public var plan: CopyOrderPlan? {
        if case .planned(let p) = self { return p }
        return nil
    }

    /// The skip, when the order is not placed.
    public var skip: CopySkip? {
        if case .skipped(let s) = self { return s }
        return nil
    }
}
