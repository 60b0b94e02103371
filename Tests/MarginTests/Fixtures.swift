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

/// SplitMix64: a tiny deterministic generator so property tests replay identically everywhere.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A multiple of `increment` between `low` and `high` (inclusive, both multiples).
    mutating func decimal(_ low: Decimal8, _ high: Decimal8, step increment: Decimal8) -> Decimal8 {
        let steps = (high.units - low.units) / increment.units
        return Decimal8(units: low.units + Int64.random(in: 0...steps, using: &self) * increment.units)
    }
}
