import CopyTradeCore
import Foundation
import Pricing

extension ParseContext {
    static let specKeys = ["tickSize", "stepSize", "minQuantity", "minNotional", "maxLeverage", "takerFeeRate", "makerFeeRate",
                           "slippage", "tiers"]

    /// `markets:` absent: the built-in market; a string: a market file (JSON, see Market+File);
    /// a mapping: `file:` (optional) plus `symbols:` overrides, field by field, of existing
    /// symbols or whole new ones.
    func market(_ v: YAMLValue?) throws(ScenarioError) -> Market {
        guard let v else { return .builtIn }
        if v.node.scalar != nil { return try marketFile(v) }
        let f = try YAMLFields(v, allowed: ["file", "symbols"])
        var market = try f["file"].map { n throws(ScenarioError) in try marketFile(n) } ?? .builtIn
        guard let symbols = f["symbols"] else { return market }
        guard let m = symbols.node.mapping else { throw symbols.error("must be a mapping of symbol to fields") }
        for (k, node) in m {
            let name = k.string ?? ""
            let entry = symbols.child(name, node)
            // The name is checked before it is used or quoted (docs/decisions.md, Market data).
            do { try SymbolName.validate(name, field: entry.path) } catch {
                throw ScenarioError(file: file, line: k.mark?.line ?? entry.line, path: entry.path, rule: error.message)
            }
            market = try override(market, symbol: name, entry)
        }
        return market
    }

    func marketFile(_ v: YAMLValue) throws(ScenarioError) -> Market {
        let path = resolve(try v.string())
        do { return try Market(contentsOf: URL(fileURLWithPath: path)) } catch { throw v.error("market file \(path): \(error.field): \(error.message)") }
    }

    func override(_ market: Market, symbol: String, _ v: YAMLValue) throws(ScenarioError) -> Market {
        let f = try YAMLFields(v, allowed: Self.specKeys)
        let base = market.specs[symbol]
        func dec(_ key: String, _ old: Decimal8?) throws(ScenarioError) -> Decimal8 {
            if let n = f[key] { return try n.decimal() }
            guard let old else { throw v.error("a new symbol needs \(key):") }
            return old
        }
        var tiers = base?.tiers
        if let t = f["tiers"] {
            tiers = []
            for item in try t.sequence() {
                let tf = try YAMLFields(item, allowed: ["notionalCeiling", "mmr", "cum", "maxLeverage"])
                tiers?.append(MaintenanceTier(notionalCeiling: try tf.required("notionalCeiling").decimal(), mmr: try tf.required("mmr").decimal(),
                                              cum: try tf["cum"]?.decimal() ?? .zero, maxLeverage: try tf["maxLeverage"]?.int(1...10_000)))
            }
        }
        guard let tiers else { throw v.error("a new symbol needs tiers:") }
        let maxLeverage: Int
        if let n = f["maxLeverage"] { maxLeverage = try n.int(1...10_000) } else if let b = base { maxLeverage = b.maxLeverage } else {
            throw v.error("a new symbol needs maxLeverage:")
        }
        let spec = SymbolSpec(symbol: symbol, tickSize: try dec("tickSize", base?.tickSize), stepSize: try dec("stepSize", base?.stepSize),
                              minQuantity: try dec("minQuantity", base?.minQuantity), minNotional: try dec("minNotional", base?.minNotional),
                              maxLeverage: maxLeverage, takerFeeRate: try dec("takerFeeRate", base?.takerFeeRate),
                              makerFeeRate: try dec("makerFeeRate", base?.makerFeeRate), slippage: try dec("slippage", base?.slippage), tiers: tiers)
        do { return try market.replacing(spec) } catch { throw v.error("\(error.field): \(error.message)") }
    }
}
