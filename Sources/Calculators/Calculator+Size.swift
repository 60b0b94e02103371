import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sizing

extension Calculator {
    /// `calc size`: a copier's order from the trader's fill (SPEC §4).
    public func size(_ input: SizeInput) async throws -> CalcOutput {
        try await naming(Self.sizeFields, figure: "quantity") { try await sizeUnnamed(input) }
    }

    func sizeUnnamed(_ input: SizeInput) async throws -> CalcOutput {
        let request = try sizeRequest(input)
        let d = try await sizing { try await $0.size(request) }
        var out = CalcOutput()
        out.add("mode", input.mode.rawValue)
        out.add("side", input.side.rawValue)
        if d.skipped {
            out.add("skipped", true)
            out.add("reason", d.reason.name)
            out.add("reasonText", d.reasonText)
        } else {
            out.add("skipped", false)
            // SPEC §4's terms under their names, then the order actually placed (smaller by the
            // fee reserve and the step rounding): 5000/500 against 4950/495 are both right.
            out.add("copierOpenValue", Decimal8(e8: d.copierOpenValueE8))
            out.add("copierMargin", Decimal8(e8: d.copierMarginE8))
            out.add("quantity", Decimal8(e8: d.quantityE8))
            out.add("orderValue", Decimal8(e8: d.orderValueE8))
            out.add("orderMargin", Decimal8(e8: d.orderMarginE8))
            out.add("fee", Decimal8(e8: d.feeE8))
            out.add("worstPrice", Decimal8(e8: d.worstPriceE8))
        }
        return out
    }

    /// Market rules come from the symbol when given, else from the options (fee 0, step 1e-8,
    /// tick 1e-8, no minimums, leverage up to ``defaultMaxLeverage``); explicit options win.
    func sizeRequest(_ input: SizeInput) throws -> Copytrade_V1_SizeRequest {
        let spec = try spec(input.symbol)
        var market = Copytrade_V1_SizingMarket()
        market.takerFeeRateE8 = (input.fee ?? spec?.takerFeeRate ?? .zero).e8
        market.stepSizeE8 = (input.step ?? spec?.stepSize ?? .ulp).e8
        market.minQuantityE8 = (input.minQuantity ?? spec?.minQuantity ?? .zero).e8
        market.minNotionalE8 = (input.minNotional ?? spec?.minNotional ?? .zero).e8
        market.maxLeverage = Int32(clamping: input.maxLeverage ?? spec?.maxLeverage ?? Self.defaultMaxLeverage)
        // The worst price is on the symbol's tick, as the engine places it (0: 1e-8 precision).
        market.tickSizeE8 = (input.tick ?? spec?.tickSize)?.e8 ?? 0
        var r = Copytrade_V1_SizeRequest()
        r.mode = input.mode == .proportional ? .proportional : .fixed
        switch input.mode {
        case .proportional:
            guard let m = input.multiplier else { throw DomainError.invalid("--multiplier", "is required in proportional mode") }
            if input.fixedMargin != nil { throw DomainError.invalid("--fixed-margin", "applies only to fixed mode") }
            r.multiplierE8 = m.e8
        case .fixed:
            guard let b = input.fixedMargin else { throw DomainError.invalid("--fixed-margin", "is required in fixed mode") }
            if input.multiplier != nil { throw DomainError.invalid("--multiplier", "applies only to proportional mode") }
            r.fixedMarginE8 = b.e8
        }
        r.side = input.side == .long ? .long : .short
        r.fillPriceE8 = input.fill.e8
        r.traderQuantityE8 = input.quantity.e8
        r.leverage = Int32(clamping: input.leverage)
        r.market = market
        r.slippageE8 = (input.slippage ?? spec?.slippage ?? .zero).e8
        if let a = input.available {
            r.hasAvailable_p = true
            r.availableE8 = a.e8
        }
        return r
    }
}
