import CopyTradeCore
import CopyTradeProto
import Margin

extension Calculator {
    /// Rates for `calc liq` / `calc automargin`: the symbol's spec (or, without `--symbol`, a
    /// one-tier spec with zero rates), through the preset, then `--mmr/--cum/--fee` on top;
    /// `--tick` and `--max-leverage` replace the spec's.
    func riskParameters(_ input: LiquidationInput) throws -> Copytrade_V1_RiskParameters {
        var spec: SymbolSpec
        if let s = try self.spec(input.symbol) {
            spec = s
        } else {
            if input.preset == "hyperliquid", input.maxLeverage == nil {
                throw DomainError.invalid("--max-leverage", "is required by the hyperliquid preset without --symbol (mmr = 1/(2*maxLeverage))")
            }
            spec = SymbolSpec(symbol: "CUSTOM", tickSize: .ulp, stepSize: .ulp, minQuantity: .zero, minNotional: .zero,
                              maxLeverage: Self.defaultMaxLeverage, takerFeeRate: .zero, makerFeeRate: .zero, slippage: .zero,
                              tiers: [MaintenanceTier(notionalCeiling: .max, mmr: .zero, cum: .zero)])
        }
        if let tick = input.tick {
            guard tick.isPositive else { throw DomainError.invalid("--tick", "must be greater than 0") }
            spec.tickSize = tick
        }
        if let m = input.maxLeverage {
            guard m >= 1 else { throw DomainError.invalid("--max-leverage", "must be at least 1") }
            spec.maxLeverage = m
        }
        let overrides = RiskOverrides(mmr: input.mmr, cum: input.cum, feeRate: input.fee)
        return try MarginRisk.parameters(spec: spec, preset: input.preset, overrides: overrides)
    }

    /// Leverage ceiling when neither `--symbol` nor `--max-leverage` gives one.
    static let defaultMaxLeverage = 1000
}
