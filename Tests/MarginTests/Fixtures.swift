import TestSupport
import CopyTradeCore
import Margin
import Pricing

/// Shared inputs: SPEC §3's BTCUSDT long and the built-in market's risk parameters.
enum Fixture {
    static func risk(_ symbol: String = "BTCUSDT", _ preset: MarginPreset = .bingx,
                     overrides: RiskOverrides = RiskOverrides()) throws -> RiskParameters {
        try riskParameters(for: try Market.builtIn.spec(for: symbol), preset: preset, overrides: overrides)
    }

    static func btcLong(margin: Decimal8, side: Side = .long, quantity: Decimal8 = "0.5",
                        entry: Decimal8 = "20000", leverage: Int = 10) -> PositionState {
        PositionState(symbol: "BTCUSDT", side: side, quantity: quantity, entryPrice: entry, margin: margin, leverage: leverage)
    }
}

extension SplitMix64 {
    /// A multiple of `increment` between `low` and `high` (inclusive, both multiples).
    mutating func decimal(_ low: Decimal8, _ high: Decimal8, step increment: Decimal8) -> Decimal8 {
        let steps = (high.units - low.units) / increment.units
        return Decimal8(units: low.units + Int64.random(in: 0...steps, using: &self) * increment.units)
    }
}
