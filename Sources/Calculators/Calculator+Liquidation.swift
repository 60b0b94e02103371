import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime

extension Calculator {
    /// `calc liq`: SPEC §3 figures of one position.
    public func liquidation(_ input: LiquidationInput) async throws -> CalcOutput {
        try await naming(Self.liquidationFields, figure: "liquidationPrice") { try await liquidationUnnamed(input) }
    }

    func liquidationUnnamed(_ input: LiquidationInput) async throws -> CalcOutput {
        let request = try evaluateRequest(input, mark: input.mark)
        let e = try await margin { try await $0.evaluate(request) }
        var out = CalcOutput()
        out.add("preset", input.preset)
        out.add("side", input.side.rawValue)
        out.add("leverage", try shownLeverage(input))
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
    /// overrides; leverage given, or none and the effective `q*E/M` applies exactly.
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
        if let leverage = input.leverage {
            p.leverage = Int32(clamping: leverage)
        } else {
            p.leverageFromMargin = true
        }
        r.position = p
        if let mark {
            r.hasMark_p = true
            r.markPriceE8 = mark.e8
        }
        return r
    }

    /// The leverage shown: the one given, or the effective `q*E/M` rounded half-even to 8 places
    /// (for reading only: the module computes with the exact quotient).
    func shownLeverage(_ input: LiquidationInput) throws -> CalcOutput.Value {
        if let leverage = input.leverage { return .decimal(try Decimal8(exactly: Int64(leverage))) }
        guard input.margin.isPositive else { return .null }
        return .decimal(try DomainError.computing("leverage") { () throws(DomainError) in
            try (input.quantity.exact * input.entry.exact).divided(by: input.margin.exact, rounding: .halfEven)
        })
    }
}
