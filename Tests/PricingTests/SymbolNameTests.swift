import CopyTradeCore
import Foundation
import Pricing
import Testing

/// A market file is input: its symbol names reach reports, CSV cells and terminals, so they are
/// held to the symbol rule (docs/decisions.md, Market data) and a bad one refuses the file whole.
@Suite("Market file symbol names")
struct SymbolNameTests {
    static func file(symbol: String) -> Data {
        Data("""
        {"symbols": [{"symbol": \(JSONText.quoted(symbol)), "tickSize": "0.1", "stepSize": "0.001", "minQuantity": "0.001",
          "minNotional": "5", "maxLeverage": 100, "takerFeeRate": "0.0005", "makerFeeRate": "0.0002", "slippage": "0.005",
          "tiers": [{"notionalCeiling": "1000000", "mmr": "0.005", "cum": "0"}]}]}
        """.utf8)
    }

    @Test("markup, formulas and lowercase are refused, naming symbols[0].symbol",
          arguments: ["<img src=x onerror=alert(1)>", "=HYPERLINK(\"http://x\",\"y\")", "-2-3", "btcusdt", "BTC\u{1B}[2J"])
    func refused(_ symbol: String) {
        do {
            _ = try Market(jsonData: Self.file(symbol: symbol))
            Issue.record("\(symbol) was accepted")
        } catch {
            #expect(error.field == "symbols[0].symbol")
            #expect(error.message.hasPrefix("may contain only uppercase letters A-Z and digits"), "\(error.message)")
        }
    }

    @Test func plainNameAccepted() throws {
        let market = try Market(jsonData: Self.file(symbol: "1000PEPEUSDT"))
        #expect(market.symbols == ["1000PEPEUSDT"])
    }

    @Test("adding a spec to a loaded market checks the name too")
    func replacingRefuses() throws {
        var spec = try Market.builtIn.spec(for: "BTCUSDT")
        spec.symbol = "<b>X</b>"
        #expect(throws: DomainError.self) { try Market.builtIn.replacing(spec) }
        #expect(throws: DomainError.self) { try Market(specs: [spec]) }
    }
}
