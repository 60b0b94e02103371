import CopyTradeCore

/// The mark-dependent figures of a position at one mark price.
public struct MarkFigures: Sendable, Hashable {
    public var mark: Decimal8
    /// `MR(P)`, rounded up.
    public var maintenanceRequirement: Decimal8
    /// `U(P)`, rounded down.
    public var unrealizedPnL: Decimal8
    /// `M + U(P)`, rounded down.
    public var marginBalance: Decimal8
    public var riskRate: RiskRate
    /// Decided exactly: `MR(P) >= M + U(P)` or balance at or below zero.
    public var isLiquidatable: Bool
    /// Margin that may be taken out now, rounded down.
    public var maxReducibleMargin: Decimal8

    /// The figures as given: the coordinator reads a remote margin module's answer into them
    /// (docs/decisions.md, "Coordinator").
    public init(mark: Decimal8, maintenanceRequirement: Decimal8, unrealizedPnL: Decimal8, marginBalance: Decimal8,
                riskRate: RiskRate, isLiquidatable: Bool, maxReducibleMargin: Decimal8) {
        self.mark = mark
        self.maintenanceRequirement = maintenanceRequirement
        self.unrealizedPnL = unrealizedPnL
        self.marginBalance = marginBalance
        self.riskRate = riskRate
        self.isLiquidatable = isLiquidatable
        self.maxReducibleMargin = maxReducibleMargin
    }
}

/// Every figure of SPEC §3 for one isolated position, as a calculator or service returns it.
public struct MarginEvaluation: Sendable, Hashable {
    public var position: PositionState
    /// Name of the strategy that produced the figures.
    public var strategy: String
    /// Entry notional `q*E` (rounded up; it picks the tier).
    public var entryNotional: Decimal8
    /// The tier values used, after overrides.
    public var maintenanceRate: MaintenanceRate
    /// The fee rate `f` counted in maintenance.
    public var feeRate: Decimal8
    /// `q*E/leverage`, rounded up: the margin the leverage setting calls for at entry (`M`
    /// itself when the effective leverage `q*E/M` applies).
    public var initialMargin: Decimal8
    /// Nil for a long backed by at least its whole value.
    public var liquidationPrice: LiquidationPrice?
    /// `E - s*M/q` (see ``MarginStrategy/bankruptcyPrice(of:risk:)`` for rounding); nil when not positive.
    public var bankruptcyPrice: Decimal8?
    /// Nil when no mark was given.
    public var atMark: MarkFigures?
}

extension MarginStrategy {
    /// All figures of an isolated `position`; mark-dependent ones only when `mark` is given.
    public func evaluate(_ position: PositionState, risk: RiskParameters, mark: Decimal8?) throws(DomainError) -> MarginEvaluation {
        guard position.mode == .isolated else {
            throw DomainError.invalid("mode", "must be isolated here; evaluate cross positions with evaluateCross")
        }
        let line = try checkedLine(position, risk)
        let notional = try entryNotional(of: position)
        let initial = position.leverageFromMargin ? position.margin : try DomainError.computing("initialMargin") { () throws(DomainError) in
            try (position.quantity.exact * position.entryPrice.exact).divided(by: ExactDecimal(integer: position.leverage), rounding: .up)
        }
        var figures: MarkFigures?
        if let mark {
            try validateMark(mark)
            let p = ExactPosition(position)
            figures = MarkFigures(
                mark: mark,
                maintenanceRequirement: try DomainError.computing("maintenanceRequirement") { () throws(DomainError) in
                    try line.requirement(at: mark).rounded(.up)
                },
                unrealizedPnL: try DomainError.computing("unrealizedPnl") { () throws(DomainError) in try p.pnl(at: mark).rounded(.down) },
                marginBalance: try DomainError.computing("marginBalance") { () throws(DomainError) in try p.balance(at: mark).rounded(.down) },
                riskRate: try riskRate(of: position, risk: risk, at: mark),
                isLiquidatable: try DomainError.computing("liquidatable") { () throws(DomainError) in try exactlyLiquidatable(p, line, mark) },
                maxReducibleMargin: try maxReducibleMargin(of: position, risk: risk, at: mark))
        }
        return MarginEvaluation(
            position: position, strategy: name, entryNotional: notional,
            maintenanceRate: risk.maintenanceRate(forNotional: notional), feeRate: risk.feeRate,
            initialMargin: initial,
            liquidationPrice: try liquidationPrice(of: position, risk: risk),
            bankruptcyPrice: try bankruptcyPrice(of: position, risk: risk),
            atMark: figures)
    }
}
