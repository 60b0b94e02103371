import CopyTradeCore
import Foundation

/// Loading a market from its JSON file.
///
/// Schema (every decimal is a JSON *string*, so no value ever passes through a binary float):
/// ```json
/// { "schemaVersion": 1,
///   "symbols": [ { "symbol": "BTCUSDT", "tickSize": "0.1", "stepSize": "0.0001",
///                  "minQuantity": "0.0001", "minNotional": "5", "maxLeverage": 150,
///                  "takerFeeRate": "0.0005", "makerFeeRate": "0.0002", "slippage": "0.005",
///                  "tiers": [ { "notionalCeiling": "300000", "mmr": "0.00333333", "cum": "0",
///                               "maxLeverage": 150 } ] } ] }
/// ```
/// `schemaVersion` is optional (1 when absent); tier `maxLeverage` is optional.
/// Errors name the offending field by path, e.g. `symbols[0].tiers[2].mmr`.
extension Market {
    /// The only schema version this code reads.
    public static let schemaVersion = 1

    /// Parses and validates a market file's bytes.
    public init(jsonData data: Data) throws(DomainError) {
        let file: MarketFile
        do {
            file = try JSONDecoder().decode(MarketFile.self, from: data)
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch {
            throw DomainError.invalid("market", "is not a valid market file: \(error)")
        }
        let version = file.schemaVersion ?? Self.schemaVersion
        guard version == Self.schemaVersion else {
            throw DomainError.invalid("schemaVersion", "must be \(Self.schemaVersion), got \(version)")
        }
        var specs: [SymbolSpec] = []
        for (i, entry) in file.symbols.enumerated() {
            specs.append(try entry.spec(path: "symbols[\(i)]"))
        }
        try self.init(specs: specs)
    }

    /// Reads, parses and validates a market file on disk.
    public init(contentsOf url: URL) throws(DomainError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DomainError.notFound("marketFile", "cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(jsonData: data)
    }

    /// The market as JSON in the file schema (decimals as strings, symbols sorted).
    public func jsonData() throws(DomainError) -> Data {
        let file = MarketFile(schemaVersion: Self.schemaVersion,
                              symbols: symbols.compactMap { specs[$0] }.map(SymbolEntry.init(spec:)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do { return try encoder.encode(file) } catch {
            throw DomainError(.internal, field: "market", "cannot encode: \(error)")
        }
    }

    /// Turns a decoder failure into an error that names the JSON path.
    static func describe(_ error: DecodingError) -> DomainError {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : ".\(key.stringValue)" }
            }
            return text.isEmpty ? "market" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return DomainError.invalid(parent == "market" ? key.stringValue : "\(parent).\(key.stringValue)", "is required")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return DomainError.invalid(path(context.codingPath), "has the wrong type: \(context.debugDescription)")
        case .dataCorrupted(let context):
            return DomainError.invalid(path(context.codingPath), "is not valid JSON: \(context.debugDescription)")
        @unknown default:
            return DomainError.invalid("market", "is not a valid market file: \(error)")
        }
    }
}

/// The file's top level, with decimals kept as text until parsed with their field names.
struct MarketFile: Codable {
    var schemaVersion: Int?
    var symbols: [SymbolEntry]
}

/// One symbol as written in the file.
struct SymbolEntry: Codable {
    var symbol: String
    var tickSize, stepSize, minQuantity, minNotional: String
    var maxLeverage: Int
    var takerFeeRate, makerFeeRate, slippage: String
    var tiers: [TierEntry]

    init(spec: SymbolSpec) {
        symbol = spec.symbol
        tickSize = spec.tickSize.description
        stepSize = spec.stepSize.description
        minQuantity = spec.minQuantity.description
        minNotional = spec.minNotional.description
        maxLeverage = spec.maxLeverage
        takerFeeRate = spec.takerFeeRate.description
        makerFeeRate = spec.makerFeeRate.description
        slippage = spec.slippage.description
        tiers = spec.tiers.map { TierEntry(notionalCeiling: $0.notionalCeiling.description, mmr: $0.mmr.description,
                                           cum: $0.cum.description, maxLeverage: $0.maxLeverage) }
    }

    /// Parses every decimal, naming `path.field` in any error.
    func spec(path: String) throws(DomainError) -> SymbolSpec {
        func d(_ text: String, _ field: String) throws(DomainError) -> Decimal8 {
            try Decimal8(parsing: text, field: "\(path).\(field)")
        }
        // The name is checked before anything quotes it (docs/decisions.md, Market data).
        try SymbolName.validate(symbol, field: "\(path).symbol")
        var parsedTiers: [MaintenanceTier] = []
        for (i, t) in tiers.enumerated() {
            parsedTiers.append(MaintenanceTier(notionalCeiling: try d(t.notionalCeiling, "tiers[\(i)].notionalCeiling"),
                                               mmr: try d(t.mmr, "tiers[\(i)].mmr"),
                                               cum: try d(t.cum, "tiers[\(i)].cum"),
                                               maxLeverage: t.maxLeverage))
        }
        return SymbolSpec(symbol: symbol, tickSize: try d(tickSize, "tickSize"), stepSize: try d(stepSize, "stepSize"),
                          minQuantity: try d(minQuantity, "minQuantity"), minNotional: try d(minNotional, "minNotional"),
                          maxLeverage: maxLeverage, takerFeeRate: try d(takerFeeRate, "takerFeeRate"),
                          makerFeeRate: try d(makerFeeRate, "makerFeeRate"), slippage: try d(slippage, "slippage"),
                          tiers: parsedTiers)
    }
}

/// One maintenance tier as written in the file.
struct TierEntry: Codable {
    var notionalCeiling, mmr, cum: String
    var maxLeverage: Int?
}
