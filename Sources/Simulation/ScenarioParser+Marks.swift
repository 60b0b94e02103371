import CopyTradeCore
import Foundation

extension ParseContext {
    /// `marks:` maps each symbol to its path: a list of `{at, price}` points, `randomWalk:`, or `csv:`.
    func marks(_ v: YAMLValue?) throws(ScenarioError) -> [String: [PricePoint]] {
        guard let v else { return [:] }
        guard let m = v.node.mapping else { throw v.error("must be a mapping of symbol to a mark path") }
        var out: [String: [PricePoint]] = [:]
        for (k, node) in m {
            let keyValue = YAMLValue(node: k, path: v.path.isEmpty ? (k.string ?? "?") : "\(v.path).\(k.string ?? "?")", file: file)
            let symbol = try self.symbol(keyValue)
            let entry = v.child(symbol, node)
            let tick = market.specs[symbol]!.tickSize
            if node.sequence != nil {
                out[symbol] = try explicitPath(entry, tick: tick)
            } else {
                let f = try YAMLFields(entry, allowed: ["randomWalk", "csv", "at"])
                let start = try f["at"]?.duration() ?? 0
                switch (f["randomWalk"], f["csv"]) {
                case (let w?, nil): out[symbol] = try randomWalk(w, tick: tick, start: start)
                case (nil, let c?): out[symbol] = try candles(c, start: start, tick: tick)
                default: throw entry.error("must be a list of {at, price} points, or have exactly one of randomWalk: or csv:")
                }
            }
        }
        return out
    }

    func explicitPath(_ v: YAMLValue, tick: Decimal8) throws(ScenarioError) -> [PricePoint] {
        var out: [PricePoint] = []
        for item in try v.sequence() {
            let f = try YAMLFields(item, allowed: ["at", "price"])
            let atNode = try f.required("at")
            let at = try atNode.duration()
            let priceNode = try f.required("price")
            let price = try priceNode.positiveDecimal()
            // The coordinator refuses a mark off the tick (docs/decisions.md, "Market data"),
            // so the scenario is refused here, naming the point, before anything runs.
            guard price.isMultiple(of: tick) else { throw priceNode.error("must be a multiple of the tick \(tick), got \(price)") }
            if let last = out.last, at < last.at {
                throw atNode.error("time goes backwards: \(ScenarioTime.format(at)) comes after \(ScenarioTime.format(last.at))")
            }
            out.append(PricePoint(at: at, price: price))
        }
        return out
    }

    func randomWalk(_ v: YAMLValue, tick: Decimal8, start: Millis) throws(ScenarioError) -> [PricePoint] {
        let f = try YAMLFields(v, allowed: ["seed", "start", "points", "intervalMs", "drift", "volatility"])
        let walk = RandomWalk(seed: try f.required("seed").uint64(), start: try f.required("start").positiveDecimal(),
                              points: try f.required("points").int(1...ScenarioLimits.maxSteps), intervalMs: Millis(try f.required("intervalMs").int(1...86_400_000)),
                              drift: try f["drift"]?.decimal() ?? .zero, volatility: try f.required("volatility").decimal(), tick: tick)
        if walk.volatility.isNegative { throw f["volatility"]!.error("must not be negative") }
        do { return try walk.generate(startingAt: start) } catch { throw v.error("random walk: \(error.message)") }
    }

    func candles(_ v: YAMLValue, start: Millis, tick: Decimal8) throws(ScenarioError) -> [PricePoint] {
        let path = resolve(try v.string())
        guard let data = FileManager.default.contents(atPath: path) else { throw v.error("cannot read \(path)") }
        if data.count > ScenarioLimits.maxFileBytes {
            throw v.error(ScenarioLimits.rule("\(path): the file's size in bytes", limit: ScenarioLimits.maxFileBytes, got: data.count))
        }
        return try CandleFile.parse(String(decoding: data, as: UTF8.self), file: path, start: start, tick: tick)
    }
}
