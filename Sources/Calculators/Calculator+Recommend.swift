import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sizing

extension Calculator {
    /// `calc recommend`: the multiplier range `0.5*Ec/Et ... Ec/Et`, clamped to the bounds.
    public func recommend(_ input: RecommendInput) async throws -> CalcOutput {
        try await naming(Self.recommendFields, figure: "multiplier") { try await recommendUnnamed(input) }
    }

    func recommendUnnamed(_ input: RecommendInput) async throws -> CalcOutput {
        var r = Copytrade_V1_RecommendRequest()
        r.copierEquityE8 = input.copierEquity.e8
        r.traderEquityE8 = input.traderEquity.e8
        let d = try await sizing { try await $0.recommend(r) }
        var out = CalcOutput()
        out.add("min", Decimal8(e8: d.minE8))
        out.add("max", Decimal8(e8: d.maxE8))
        return out
    }
}
