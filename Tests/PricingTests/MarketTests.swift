import CopyTradeCore
import Foundation
import Pricing
import Testing

@Suite("Market file")
struct MarketTests {
    @Test func builtInListsTheFourRequiredSymbols() throws {
        let market = Market.builtIn
        for symbol in ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"] { #expect(market.contains(symbol)) }
        #expect(try Market.default() == market)
    }

    @Test func builtInBTCMatchesTheSpec() throws {
        let btc = try Market.builtIn.spec(for: "BTCUSDT")
        #expect(btc.tickSize == "0.1")
        #expect(btc.stepSize == "0.0001")
        #expect(btc.takerFeeRate == "0.0005")
        #expect(btc.makerFeeRate == "0.0002")
        #expect(btc.maxLeverage == 150)
        #expect(btc.minQuantity == "0.0001")
        #expect(btc.minNotional == "5")
        #expect(btc.slippage == "0.005")
        #expect(btc.tiers[0].mmr == "0.00333333")
        #expect(btc.tiers[0].cum == .zero)
        #expect(btc.tiers.count >= 3)
    }

    /// `cum_i = cum_{i-1} + ceiling_{i-1} * (mmr_i - mmr_{i-1})`: the requirement is continuous.
    @Test(arguments: ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"])
    func builtInTiersAreContinuous(symbol: String) throws {
        let tiers = try Market.builtIn.spec(for: symbol).tiers
        #expect(tiers[0].cum == .zero)
        for i in 1..<tiers.count {
            let step = try tiers[i - 1].notionalCeiling.multiplied(by: try tiers[i].mmr - tiers[i - 1].mmr, rounding: .halfEven)
            #expect(try tiers[i - 1].cum + step == tiers[i].cum, "tier \(i) of \(symbol)")
            #expect(tiers[i].mmr > tiers[i - 1].mmr)
        }
    }

    @Test func unknownSymbolIsNotFoundNamingSymbol() {
        #expect(throws: DomainError.self) { try Market.builtIn.spec(for: "XRPUSDT") }
        do { _ = try Market.builtIn.spec(for: "XRPUSDT") } catch {
            #expect(error.code == .notFound)
            #expect(error.field == "symbol")
        }
    }

    @Test func userFileLoadsFromDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("market-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(Self.oneSymbol(tick: "\"0.5\"").utf8).write(to: url)
        let market = try Market(contentsOf: url)
        #expect(market.symbols == ["TESTUSDT"])
        let spec = try market.spec(for: "TESTUSDT")
        #expect(spec.tickSize == "0.5")
        #expect(spec.tiers[1].cum == "50")
    }

    @Test func jsonRoundTripKeepsEverySpec() throws {
        let again = try Market(jsonData: try Market.builtIn.jsonData())
        #expect(again == Market.builtIn)
    }

    /// Each broken file is refused whole, with the JSON path of the bad field.
    @Test(arguments: [
        (#""0.1x""#, "symbols[0].tickSize"),
        (#""1e-1""#, "symbols[0].tickSize"),
        (#""0.000000001""#, "symbols[0].tickSize"),
        ("0.1", "symbols[0].tickSize"),
        (#""0""#, "symbols.TESTUSDT.tickSize"),
    ])
    func malformedTickIsRefusedNamingTheField(tick: String, field: String) {
        do {
            _ = try Market(jsonData: Data(Self.oneSymbol(tick: tick).utf8))
            Issue.record("accepted tick \(tick)")
        } catch {
            #expect(error.field == field)
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func malformedTierDecimalNamesTheTier() {
        let json = Self.oneSymbol(tick: "\"0.1\"").replacingOccurrences(of: "\"0.02\"", with: "\"two percent\"")
        do { _ = try Market(jsonData: Data(json.utf8)); Issue.record("accepted") } catch {
            #expect(error.field == "symbols[0].tiers[1].mmr")
        }
    }

    @Test func missingFieldAndDuplicateSymbolAreRefused() {
        let missing = Self.oneSymbol(tick: "\"0.1\"").replacingOccurrences(of: "\"stepSize\": \"0.01\",", with: "")
        do { _ = try Market(jsonData: Data(missing.utf8)); Issue.record("accepted") } catch {
            #expect(error.field == "symbols[0].stepSize")
        }
        let spec = try? Market.builtIn.spec(for: "BTCUSDT")
        #expect(throws: DomainError.self) { try Market(specs: [spec!, spec!]) }
    }

    @Test func wrongSchemaVersionIsRefused() {
        let json = Self.oneSymbol(tick: "\"0.1\"").replacingOccurrences(of: "\"schemaVersion\": 1", with: "\"schemaVersion\": 2")
        do { _ = try Market(jsonData: Data(json.utf8)); Issue.record("accepted") } catch {
            #expect(error.field == "schemaVersion")
        }
    }

    static func oneSymbol(tick: String) -> String {
        """
        { "schemaVersion": 1, "symbols": [ { "symbol": "TESTUSDT", "tickSize": \(tick), "stepSize": "0.01",
          "minQuantity": "0.01", "minNotional": "5", "maxLeverage": 50, "takerFeeRate": "0.0005",
          "makerFeeRate": "0.0002", "slippage": "0.01",
          "tiers": [ { "notionalCeiling": "5000", "mmr": "0.01", "cum": "0" },
                     { "notionalCeiling": "90000000", "mmr": "0.02", "cum": "50", "maxLeverage": 25 } ] } ] }
        """
    }
}
