import CopyTradeCore

/// One cross position with the rules and mark it is evaluated at.
public struct CrossPositionInput: Sendable, Hashable {
    public var position: PositionState
    public var risk: RiskParameters
    public var mark: Decimal8

    public init(position: PositionState, risk: RiskParameters, mark: Decimal8) {
        self.position = position
        self.risk = risk
        self.mark = mark
    }
}

/// One position's share of a cross evaluation.
public struct CrossPositionFigures: Sendable, Hashable {
    public var symbol: String
    public var side: Side
    /// `MR(P)`, rounded up.
    public var maintenanceRequirement: Decimal8
    /// `U(P)`, rounded down.
    public var unrealizedPnL: Decimal8
}

/// An account's cross-margin state: the wallet's free balance backs every cross position.
public struct CrossEvaluation: Sendable, Hashable {
    /// Cross wallet balance plus the sum of unrealized PnL, rounded down.
    public var equity: Decimal8
    /// Sum of the positions' requirements, rounded up.
    public var totalRequirement: Decimal8
    /// `totalRequirement / equity`, rounded up; infinite when equity is at or below zero.
    public var riskRate: RiskRate
    /// Decided exactly: equity at or below the total requirement (SPEC §3 "falls to");
    /// an account with no cross positions is never liquidatable.
    public var isLiquidatable: Bool
    public var positions: [CrossPositionFigures]
}

extension MarginStrategy {
    /// Evaluates the cross positions of one account against its cross wallet balance.
    /// Every position must be in cross mode; its `margin` field is ignored.
    public func evaluateCross(walletBalance: Decimal8, positions: [CrossPositionInput]) throws(DomainError) -> CrossEvaluation {
        var equity = walletBalance.exact
        var requirement = ExactDecimal.zero
        var figures: [CrossPositionFigures] = []
        for (i, input) in positions.enumerated() {
            guard input.position.mode == .cross else {
                throw DomainError.invalid("positions[\(i)].mode", "must be cross")
            }
            try validateMark(input.mark, field: "positions[\(i)].mark")
            var position = input.position
            position.margin = .zero
            let line = try checkedLine(position, input.risk)
            let pnl = try ExactPosition(position).pnl(at: input.mark)
            let mr = try line.requirement(at: input.mark)
            equity = try equity + pnl
            requirement = try requirement + mr
            figures.append(CrossPositionFigures(symbol: position.symbol, side: position.side,
                                                maintenanceRequirement: try mr.rounded(.up),
                                                unrealizedPnL: try pnl.rounded(.down)))
        }
        let belowRequirement = try ExactDecimal.compare(equity, requirement) <= 0
        let rate: RiskRate = equity.signum > 0 ? .finite(try requirement.divided(by: equity, rounding: .up)) : .infinite
        return CrossEvaluation(equity: try equity.rounded(.down), totalRequirement: try requirement.rounded(.up),
                               riskRate: rate, isLiquidatable: !positions.isEmpty && belowRequirement,
                               positions: figures)
    }
}
