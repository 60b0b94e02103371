import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime

extension Calculator {
    /// `calc liq`: SPEC §3 figures of one position.
    public func liquidation(_ input: LiquidationInput) async throws -> CalcOutput {
        try await naming(Self.liquidationFields) { try await liquidationUnnamed(input) }
    }

    func liquidationUnnamed(_ input: LiquidationInput) async throws -> CalcOutput {
        let request = try evaluateRequest(input, mark: input.mark)
        let e = try await margin { try await $0.evaluate(request) }
        var out = CalcOutput()
        out.add("preset", input.preset)
        out.add("side", input.side.rawValue)
        out.add("leverage", .integer(Int64(request.position.leverage)))
        out.add("liquidationPrice", e.hasLiquidationPrice_p ? Decimal8(e8: e.liquidationPriceE8) : nil)
        out.add("liquidationPriceRounded", e.hasLiquidationPrice_p ? Decimal8(e8: e.liquidationPriceRoundedE8) : nil)
        out.add("bankruptcyPrice", Decimal8(e8: e.bankruptcyPriceE8))
        if input.mark != nil {
            out.add("mark", input.mark)
            out.add("riskRate", e.riskInfinite ? .text("infinite") : .decimal(Decimal8(e8: e.riskRateE8)))
            out.add("maintenanceRequirement", Decimal8(e8: e.maintenanceRequirementE8))
            out.add("maxReducible", Decimal8(e8: e.maxReducibleE8))
            out.add("unrealizedPnl", Decimal8(e8: e.unrealizedPnlE8))
            out.add("marginBalance", Decimal8(e8: e.marginBalanceE8))
            out.add("liquidatable", e.liquidatable)
        }
        return out
    }

    /// The margin module's request for a position: rates resolved from symbol, preset and
    /// overrides; leverage given or the effective `q*E/M` (rounded down, at least 1).
    func evaluateRequest(_ input: LiquidationInput, mark: Decimal8?) throws -> Copytrade_V1_EvaluateRequest {
        var r = Copytrade_V1_EvaluateRequest()
        r.preset = input.preset
        r.risk = try riskParameters(input)
        var p = Copytrade_V1_PositionState()
        p.symbol = input.symbol ?? ""
        p.side = input.side == .long ? .long : .short
        p.quantityE8 = input.quantity.e8
        p.entryPriceE8 = input.entry.e8
        p.marginE8 = input.margin.e8
        p.marginMode = .isolated
        p.leverage = Int32(clamping: try input.leverage ?? effectiveLeverage(input))
        r.position = p
        if let mark {
            r.hasMark_p = true
            r.markPriceE8 = mark.e8
        }
        return r
    }

    func effectiveLeverage(_ input: LiquidationInput) throws -> Int {
        guard input.margin.isPositive, input.quantity.isPositive, input.entry.isPositive else { return 1 }
        let notional = try input.quantity.exact * input.entry.exact
        let lev = try notional.divided(by: input.margin.exact, rounding: .down)
        let whole = lev.units / Decimal8.unitsPerOne
        return Int(max(1, min(whole, Int64(Int32.max))))
    }
}
