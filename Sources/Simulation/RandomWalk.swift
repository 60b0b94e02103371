import CopyTradeCore

/// A seeded multiplicative random walk in exact decimals: each step multiplies the price by
/// `1 + drift + volatility * z`, where `z` is the Irwin–Hall sum of twelve uniform draws on
/// [0, 1) (each to 1e-8) minus 6 — mean 0, standard deviation 1 — so `volatility` is the
/// per-step standard deviation of the return. Products round half-even to 1e-8, prices half-even
/// to the tick, and never below one tick. No binary float is involved, so a seed gives the same
/// path everywhere.
public struct RandomWalk: Sendable, Hashable {
    public var seed: UInt64
    public var start: Decimal8
    public var points: Int
    public var intervalMs: Millis
    public var drift: Decimal8
    public var volatility: Decimal8
    public var tick: Decimal8

    public func generate(startingAt offset: Millis = 0) throws(DomainError) -> [PricePoint] {
        var rng = SplitMix64(seed: seed)
        var price = Decimal8.maximum(tick, try start.rounded(toMultipleOf: tick, .halfEven))
        var out: [PricePoint] = []
        out.reserveCapacity(points)
        out.append(PricePoint(at: offset, price: price))
        for i in 1..<max(points, 1) {
            var sum: Int64 = 0
            for _ in 0..<12 { sum += Int64(rng.next() % UInt64(Decimal8.unitsPerOne)) }
            let z = Decimal8(units: sum - 6 * Decimal8.unitsPerOne)
            let step = try drift + volatility.multiplied(by: z, rounding: .halfEven)
            let next = try price.multiplied(by: try .one + step, rounding: .halfEven)
            price = Decimal8.maximum(tick, try next.rounded(toMultipleOf: tick, .halfEven))
            out.append(PricePoint(at: offset + Millis(i) * intervalMs, price: price))
        }
        return out
    }
}
