import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// Conversions between the sizing wire messages and the domain types.
extension SizingHandler {
    static func domainRequest(_ r: Copytrade_V1_SizeRequest) throws(DomainError) -> CopyOrderRequest {
        let side = try Side(wire: r.side, field: "side")
        let mode: CopyMode
        switch r.mode {
        case .proportional: mode = .proportional(multiplier: Decimal8(e8: r.multiplierE8))
        case .fixed: mode = .fixedMargin(Decimal8(e8: r.fixedMarginE8))
        case .unspecified, .UNRECOGNIZED: throw DomainError.invalid("mode", "must be proportional or fixed")
        }
        let m = r.market
        let rules = CopySymbolRules(
            stepSize: Decimal8(e8: m.stepSizeE8), tickSize: m.tickSizeE8 > 0 ? Decimal8(e8: m.tickSizeE8) : nil,
            minQuantity: Decimal8(e8: m.minQuantityE8), minNotional: Decimal8(e8: m.minNotionalE8),
            maxLeverage: m.maxLeverage > 0 ? Int(m.maxLeverage) : Int(Int32.max), takerFeeRate: Decimal8(e8: m.takerFeeRateE8))
        let limits = CopyRelationLimits(
            isPaused: r.paused,
            maxMarginPerOrder: r.maxMarginPerOrderE8 > 0 ? Decimal8(e8: r.maxMarginPerOrderE8) : nil,
            maxTotalCopyMargin: r.maxTotalMarginE8 > 0 ? Decimal8(e8: r.maxTotalMarginE8) : nil,
            currentTotalCopyMargin: Decimal8(e8: r.currentTotalMarginE8))
        return CopyOrderRequest(
            side: side, fillPrice: Decimal8(e8: r.fillPriceE8), traderQuantity: Decimal8(e8: r.traderQuantityE8),
            mode: mode, leverage: Int(r.leverage), rules: rules, slippage: Decimal8(e8: r.slippageE8),
            relation: limits, availableBalance: r.hasAvailable_p ? Decimal8(e8: r.availableE8) : nil)
    }

    static func wire(_ outcome: CopySizingOutcome) -> Copytrade_V1_SizeDecision {
        var d = Copytrade_V1_SizeDecision()
        switch outcome {
        case .planned(let p):
            d.quantityE8 = p.quantity.e8
            d.orderValueE8 = p.openValue.e8
            d.orderMarginE8 = p.margin.e8
            d.feeE8 = p.fee.e8
            d.worstPriceE8 = p.worstPrice.e8
            d.copierOpenValueE8 = p.targetValue.e8
            d.copierMarginE8 = p.budget.e8
        case .skipped(let s):
            d.skipped = true
            d.reason = wire(s.reason)
            d.reasonText = s.message
        }
        return d
    }

    public static func wire(_ reason: CopySkipReason) -> Copytrade_V1_SkipReason {
        switch reason {
        case .relationPaused: .paused
        case .belowMinimumQuantity: .belowMinQuantity
        case .belowMinimumNotional: .belowMinNotional
        case .aboveMaxMarginPerOrder: .maxMarginPerOrder
        case .aboveMaxTotalCopyMargin: .maxTotalMargin
        case .insufficientBalance: .insufficientBalance
        }
    }

    /// Multiplier bounds from the wire, where 0 means SPEC's default.
    static func bounds(_ minE8: Int64, _ maxE8: Int64) throws(DomainError) -> MultiplierBounds {
        if minE8 == 0 && maxE8 == 0 { return .standard }
        return try MultiplierBounds(minimum: minE8 == 0 ? MultiplierBounds.standard.minimum : Decimal8(e8: minE8),
                                    maximum: maxE8 == 0 ? MultiplierBounds.standard.maximum : Decimal8(e8: maxE8))
    }
}
