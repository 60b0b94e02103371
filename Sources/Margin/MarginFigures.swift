import CopyTradeCore

/// Risk rate `R = MR / (M + U)` as a fraction (1 = 100%).
public enum RiskRate: Sendable, Hashable {
    /// The ratio, rounded up to 8 places so a shown rate never understates the risk.
    case finite(Decimal8)
    /// The margin balance is at or below zero (SPEC §3 counts that as infinite risk).
    case infinite

    /// The finite value, nil when infinite.
    public var value: Decimal8? {
        if case .finite(let v) = self { return v }
        return nil
    }
}

/// Where a position is liquidated: the exact threshold to 8 places and the shown tick price,
/// each rounded once from the same exact quotient (never one from the other).
public struct LiquidationPrice: Sendable, Hashable, Codable {
    /// The exact threshold to 8 places, rounded like ``onTick`` (down for a long, up for a
    /// short): a shown price is one at which the position is liquidatable (18069.19999999, not
    /// 18069.2, for 18069.19999999999...).
    public var exact: Decimal8
    /// The exact threshold rounded to the tick, down for a long and up for a short (SPEC §3):
    /// the position is liquidatable at this price. Rounding `exact` instead could cross the
    /// threshold (18069.19999999999 → 18069.2, where the position is still safe).
    public var onTick: Decimal8

    public init(exact: Decimal8, onTick: Decimal8) {
        self.exact = exact
        self.onTick = onTick
    }
}

/// The exact quantities of one position that every figure is built from.
struct ExactPosition {
    let s: ExactDecimal
    let q: ExactDecimal
    let entry: ExactDecimal
    let margin: ExactDecimal
    let isLong: Bool

    init(_ p: PositionState) {
        isLong = p.side == .long
        s = ExactDecimal(integer: p.side.sign)
        q = p.quantity.exact
        entry = p.entryPrice.exact
        margin = p.margin.exact
    }

    /// `U(P) = s*q*(P - E)`, exact.
    func pnl(at mark: Decimal8) throws(DomainError) -> ExactDecimal {
        try s * q * (mark.exact - entry)
    }

    /// `M + U(P)`, exact.
    func balance(at mark: Decimal8) throws(DomainError) -> ExactDecimal {
        try margin + pnl(at: mark)
    }

    /// `q*E - s*M`: the numerator of the bankruptcy price `E - s*M/q` over `q`.
    func bankruptcyNumerator() throws(DomainError) -> ExactDecimal {
        try q * entry - s * margin
    }
}

/// The exact liquidation threshold of a position as a fraction `numerator / denominator`
/// (denominator > 0). The position is liquidatable when `MR(P) >= M + U(P)` or when
/// `M + U(P) <= 0`; both conditions are one-sided in `P`, so the threshold is whichever is
/// reached first: the SPEC formula, or the bankruptcy price when the requirement there is
/// still negative (possible only with `cum > 0` far below the tier's notional).
func liquidationThreshold(_ p: ExactPosition, _ line: MaintenanceLine) throws(DomainError) -> (ExactDecimal, ExactDecimal) {
    let bankruptcy = try p.bankruptcyNumerator()
    // q * MR(bankruptcy price), sign only: alpha*(qE - sM) + q*beta, compared in 256 bits
    // (the product of a large position's terms outgrows 128 bits though the price fits).
    if ExactDecimal.compareProducts(line.perMark, bankruptcy, -p.q, line.fixed) < 0 { return (bankruptcy, p.q) }
    // Long: (qE - M - beta') / (q - alpha); short: (qE + M + beta') / (q + alpha), beta' = -fixed.
    return (try bankruptcy + p.s * line.fixed, try p.q - p.s * line.perMark)
}

/// The largest 8-place value strictly below `x`.
func strictlyBelow(_ x: ExactDecimal) throws(DomainError) -> Decimal8 {
    try x.rounded(.up) - .ulp
}
