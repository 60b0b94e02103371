import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// Conversions between the margin wire messages and the domain types.
public enum MarginWire {
    public static func position(_ w: Copytrade_V1_PositionState) throws(DomainError) -> PositionState {
        PositionState(symbol: w.symbol, side: try Side(wire: w.side, field: "position.side"),
                      quantity: Decimal8(e8: w.quantityE8), entryPrice: Decimal8(e8: w.entryPriceE8),
                      margin: Decimal8(e8: w.marginE8), leverage: Int(w.leverage), mode: MarginMode(wire: w.marginMode),
                      leverageFromMargin: w.leverageFromMargin)
    }

    /// A position to the wire (the inverse of ``position(_:)``).
    public static func wire(_ p: PositionState) -> Copytrade_V1_PositionState {
        var w = Copytrade_V1_PositionState()
        w.symbol = p.symbol
        w.side = p.side.wire
        w.quantityE8 = p.quantity.e8
        w.entryPriceE8 = p.entryPrice.e8
        w.marginE8 = p.margin.e8
        w.leverage = Int32(clamping: p.leverage)
        w.marginMode = p.mode.wire
        w.leverageFromMargin = p.leverageFromMargin
        return w
    }

    /// Resolved wire rates to domain parameters; a zero tick keeps 1e-8 precision.
    public static func risk(_ w: Copytrade_V1_RiskParameters) throws(DomainError) -> RiskParameters {
        guard !w.tiers.isEmpty else { throw DomainError.invalid("risk.tiers", "must have at least one tier") }
        let r = RiskParameters(tiers: w.tiers.map(SymbolSpecWire.domain), feeRate: Decimal8(e8: w.feeRateE8),
                               maxLeverage: Int(w.maxLeverage), tickSize: w.tickSizeE8 > 0 ? Decimal8(e8: w.tickSizeE8) : .ulp)
        try r.validate()
        return r
    }

    /// Domain parameters to the wire, with overrides folded into every tier (an override
    /// replaces the chosen tier's value, so replacing all of them is the same).
    public static func wire(_ r: RiskParameters) -> Copytrade_V1_RiskParameters {
        var w = Copytrade_V1_RiskParameters()
        w.tiers = r.tiers.map { t in
            var t = t
            if let mmr = r.overrides.mmr { t.mmr = mmr }
            if let cum = r.overrides.cum { t.cum = cum }
            return SymbolSpecWire.wire(t)
        }
        w.feeRateE8 = r.feeRate.e8
        w.maxLeverage = Int32(clamping: r.maxLeverage)
        w.tickSizeE8 = r.tickSize.e8
        return w
    }

    static func wire(_ e: MarginEvaluation) -> Copytrade_V1_Evaluation {
        wire(liquidationPrice: e.liquidationPrice, bankruptcyPrice: e.bankruptcyPrice, atMark: e.atMark)
    }

    /// An evaluation's figures on the wire: the one encoding the module and the coordinator's
    /// views share.
    public static func wire(liquidationPrice: LiquidationPrice?, bankruptcyPrice: Decimal8?,
                            atMark: MarkFigures?) -> Copytrade_V1_Evaluation {
        var w = Copytrade_V1_Evaluation()
        if let lp = liquidationPrice {
            w.hasLiquidationPrice_p = true
            w.liquidationPriceE8 = lp.exact.e8
            w.liquidationPriceRoundedE8 = lp.onTick.e8
        }
        w.bankruptcyPriceE8 = bankruptcyPrice?.e8 ?? 0
        if let m = atMark {
            w.hasMark_p = true
            w.maintenanceRequirementE8 = m.maintenanceRequirement.e8
            w.riskRateE8 = m.riskRate.value?.e8 ?? 0
            w.riskInfinite = m.riskRate.value == nil
            w.maxReducibleE8 = m.maxReducibleMargin.e8
            w.unrealizedPnlE8 = m.unrealizedPnL.e8
            w.marginBalanceE8 = m.marginBalance.e8
            w.liquidatable = m.isLiquidatable
        }
        return w
    }
}

/// Rates for a symbol under a preset, in wire form: what a caller puts in `EvaluateRequest.risk`.
public enum MarginRisk {
    public static func parameters(spec: SymbolSpec, preset: String, overrides: RiskOverrides = RiskOverrides()) throws(DomainError) -> Copytrade_V1_RiskParameters {
        MarginWire.wire(try riskParameters(for: spec, preset: MarginPreset(parsing: preset.isEmpty ? "bingx" : preset), overrides: overrides))
    }
}
