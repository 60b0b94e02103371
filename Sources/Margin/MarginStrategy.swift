import CopyTradeCore

/// A position's maintenance requirement as a straight line in the mark price:
/// `MR(P) = perMark * P + fixed`, kept exact.
///
/// Both formula families of SPEC §3 have this shape, so one solver gives every strategy its
/// liquidation price, and a new strategy only has to say what its line is.
public struct MaintenanceLine: Sendable, Hashable {
    /// `q*(mmr + f)` in the mark-value model, 0 in the entry-value model.
    public var perMark: ExactDecimal
    /// `-cum` in the mark-value model, `q*E*(mmr + f) - cum` in the entry-value model.
    public var fixed: ExactDecimal

    public init(perMark: ExactDecimal, fixed: ExactDecimal) {
        self.perMark = perMark
        self.fixed = fixed
    }

    /// The exact requirement at `mark`.
    public func requirement(at mark: Decimal8) throws(DomainError) -> ExactDecimal {
        try perMark * mark.exact + fixed
    }
}

/// A liquidation model: how much margin a position must keep, as a function of the mark.
/// Risk rate, liquidation and bankruptcy prices, reducible margin and evaluation follow from it
/// (see `MarginStrategy+Figures.swift`); swap the model to follow another exchange's rules.
public protocol MarginStrategy: Sendable {
    /// Short name for reports ("mark-value", "entry-value").
    var name: String { get }
    /// The requirement line of a validated `position` under `risk`.
    func maintenanceLine(for position: PositionState, risk: RiskParameters) throws(DomainError) -> MaintenanceLine
}

/// Maintenance on mark value (the reference exchange, Binance, OKX, Hyperliquid):
/// `MR(P) = q*P*mmr - cum + q*P*f`, tier chosen by entry notional `q*E`.
public struct MarkValueModel: MarginStrategy, Hashable {
    public init() {}

    public var name: String { "mark-value" }

    public func maintenanceLine(for position: PositionState, risk: RiskParameters) throws(DomainError) -> MaintenanceLine {
        let rate = risk.maintenanceRate(forNotional: try entryNotional(of: position))
        let q = position.quantity.exact
        return MaintenanceLine(perMark: try q * (rate.mmr.exact + risk.feeRate.exact), fixed: -rate.cum.exact)
    }
}

/// Maintenance on entry value (Bybit): `MM = q*E*mmr - cum`, independent of the mark.
/// A nonzero fee rate (only by override; the Bybit preset has `f = 0`) adds `q*E*f`.
public struct EntryValueModel: MarginStrategy, Hashable {
    public init() {}

    public var name: String { "entry-value" }

    public func maintenanceLine(for position: PositionState, risk: RiskParameters) throws(DomainError) -> MaintenanceLine {
        let rate = risk.maintenanceRate(forNotional: try entryNotional(of: position))
        let value = try position.quantity.exact * position.entryPrice.exact
        return MaintenanceLine(perMark: .zero, fixed: try value * (rate.mmr.exact + risk.feeRate.exact) - rate.cum.exact)
    }
}

/// Entry notional `q*E`, rounded up to 8 places: it only picks the tier, and rounding up
/// can only move a position into the stricter tier, never out of it.
public func entryNotional(of position: PositionState) throws(DomainError) -> Decimal8 {
    try DomainError.computing("entryNotional") { () throws(DomainError) in
        try position.quantity.multiplied(by: position.entryPrice, rounding: .up)
    }
}
