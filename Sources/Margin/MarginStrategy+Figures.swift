import CopyTradeCore

/// The figures of SPEC §3, derived from a strategy's maintenance line. Each is evaluated
/// exactly and rounded once, in the direction that never flatters the position:
/// requirement up, PnL/balance/reducible down, risk rate up, liquidation price to the tick
/// away from safety straight from the exact quotient (and, as an 8-place figure, half-even). Liquidation is decided by exact comparison.
extension MarginStrategy {
    /// Validates inputs and returns the line; every public figure goes through here.
    func checkedLine(_ position: PositionState, _ risk: RiskParameters) throws(DomainError) -> MaintenanceLine {
        try risk.validate()
        try position.validate(maxLeverage: risk.maxLeverage)
        return try DomainError.computing("maintenanceRequirement") { () throws(DomainError) in
            try maintenanceLine(for: position, risk: risk)
        }
    }

    /// `MR(P)`, rounded up.
    public func maintenanceRequirement(of position: PositionState, risk: RiskParameters,
                                       at mark: Decimal8) throws(DomainError) -> Decimal8 {
        try validateMark(mark)
        return try checkedLine(position, risk).requirement(at: mark).rounded(.up)
    }

    /// `U(P) = s*q*(P - E)`, rounded down.
    public func unrealizedPnL(of position: PositionState, risk: RiskParameters, at mark: Decimal8) throws(DomainError) -> Decimal8 {
        try validateMark(mark)
        _ = try checkedLine(position, risk)
        return try ExactPosition(position).pnl(at: mark).rounded(.down)
    }

    /// `M + U(P)`, rounded down.
    public func marginBalance(of position: PositionState, risk: RiskParameters, at mark: Decimal8) throws(DomainError) -> Decimal8 {
        try validateMark(mark)
        _ = try checkedLine(position, risk)
        return try ExactPosition(position).balance(at: mark).rounded(.down)
    }

    /// `R = MR(P) / (M + U(P))`, rounded up; infinite when the balance is at or below zero.
    public func riskRate(of position: PositionState, risk: RiskParameters, at mark: Decimal8) throws(DomainError) -> RiskRate {
        try validateMark(mark)
        let line = try checkedLine(position, risk)
        let balance = try ExactPosition(position).balance(at: mark)
        guard balance.signum > 0 else { return .infinite }
        return .finite(try DomainError.computing("riskRate") { () throws(DomainError) in
            try line.requirement(at: mark).divided(by: balance, rounding: .up)
        })
    }

    /// True when `MR(P) >= M + U(P)` or `M + U(P) <= 0`, compared exactly (never via a rounded rate).
    public func isLiquidatable(_ position: PositionState, risk: RiskParameters, at mark: Decimal8) throws(DomainError) -> Bool {
        try validateMark(mark)
        return try exactlyLiquidatable(ExactPosition(position), checkedLine(position, risk), mark)
    }

    func exactlyLiquidatable(_ p: ExactPosition, _ line: MaintenanceLine, _ mark: Decimal8) throws(DomainError) -> Bool {
        let balance = try p.balance(at: mark)
        if balance.signum <= 0 { return true }
        return try ExactDecimal.compare(line.requirement(at: mark), balance) >= 0
    }

    /// The mark at which the position becomes liquidatable; nil when no positive on-tick mark
    /// reaches it (a long backed by at least its whole value). The tick price is rounded once,
    /// straight from the exact quotient (down for a long, up for a short), so the position is
    /// liquidatable at the price shown; the 8-place figure is the same quotient rounded the same
    /// way to 8 places, so it too is a price at which the position is liquidatable. Both are
    /// capped at the bankruptcy price (see ``liquidationThreshold``).
    public func liquidationPrice(of position: PositionState, risk: RiskParameters) throws(DomainError) -> LiquidationPrice? {
        let line = try checkedLine(position, risk)
        let p = ExactPosition(position)
        return try DomainError.computing("liquidationPrice") { () throws(DomainError) -> LiquidationPrice? in
            let (numerator, denominator) = try liquidationThreshold(p, line)
            let onTick = try numerator.divided(by: denominator, toMultipleOf: risk.tickSize, rounding: p.isLong ? .down : .up)
            guard onTick.isPositive else { return nil }
            return LiquidationPrice(exact: try numerator.divided(by: denominator, rounding: p.isLong ? .down : .up), onTick: onTick)
        }
    }

    /// `E - s*M/q`, where the margin balance is zero; rounded down for a long and up for a
    /// short, so at the shown price the balance is at or below zero. Nil when not positive.
    public func bankruptcyPrice(of position: PositionState, risk: RiskParameters) throws(DomainError) -> Decimal8? {
        _ = try checkedLine(position, risk)
        let p = ExactPosition(position)
        let price = try DomainError.computing("bankruptcyPrice") { () throws(DomainError) in
            try p.bankruptcyNumerator().divided(by: p.q, rounding: p.isLong ? .down : .up)
        }
        return price.isPositive ? price : nil
    }

    /// Isolated margin that may be taken out at `mark`: SPEC's
    /// `max(0, min(M - MR(P), M + U(P) - q*P/leverage))`, rounded down, and also kept strictly
    /// below `M + U(P) - MR(P)` and below `M`. Those two extra bounds bind only outside sane
    /// parameters (a leverage whose initial rate is below `mmr + f`, a negative requirement, or
    /// an entry-value requirement after a large loss) and keep the promises that taking out the
    /// amount never makes the position liquidatable and never leaves it without margin.
    /// With ``PositionState/leverageFromMargin`` the term `q*P/leverage` is `P*M/E` exactly.
    public func maxReducibleMargin(of position: PositionState, risk: RiskParameters,
                                   at mark: Decimal8) throws(DomainError) -> Decimal8 {
        try validateMark(mark)
        let line = try checkedLine(position, risk)
        let p = ExactPosition(position)
        return try DomainError.computing("maxReducible") { () throws(DomainError) in
            let requirement = try line.requirement(at: mark)
            let balance = try p.balance(at: mark)
            let keepRequirement = try (p.margin - requirement).rounded(.down)
            // (M + U - q*P/L) as one quotient, so it is rounded once.
            let keepInitial: Decimal8
            if position.leverageFromMargin {
                keepInitial = try (balance * p.entry - mark.exact * p.margin).divided(by: p.entry, rounding: .down)
            } else {
                let leverage = ExactDecimal(integer: position.leverage)
                keepInitial = try (balance * leverage - p.q * mark.exact).divided(by: leverage, rounding: .down)
            }
            let staySafe = try strictlyBelow(balance - requirement)
            let bound = [keepRequirement, keepInitial, staySafe, try position.margin - .ulp].min() ?? .zero
            return Decimal8.maximum(.zero, bound)
        }
    }
}
