import CopyTradeCore
import Pricing
import Testing

@Suite("Marks, quotes and rounding")
struct PricingBookTests {
    @Test func quoteCombinesSpecAndMark() throws {
        var book = PricingBook(market: .builtIn)
        try book.updateMark(symbol: "BTCUSDT", price: "20000", time: 1_000)
        let quote = try book.quote(for: "BTCUSDT")
        #expect(quote == Quote(symbol: "BTCUSDT", mark: "20000", markTime: 1_000, takerFeeRate: "0.0005",
                               makerFeeRate: "0.0002", tickSize: "0.1", stepSize: "0.0001"))
    }

    @Test func quoteWithoutMarkNamesMark() {
        let book = PricingBook(market: .builtIn)
        do { _ = try book.quote(for: "ETHUSDT"); Issue.record("quoted without a mark") } catch {
            #expect(error.field == "mark")
            #expect(error.code == .failedPrecondition)
        }
    }

    @Test func unknownSymbolAndNonPositivePriceAreRefused() {
        var book = MarkBook(market: .builtIn)
        do { try book.update(symbol: "NOPEUSDT", price: "1", time: 0); Issue.record("accepted") } catch {
            #expect(error.field == "symbol")
            #expect(error.code == .notFound)
        }
        for price: Decimal8 in [.zero, "-1"] {
            do { try book.update(symbol: "BTCUSDT", price: price, time: 0); Issue.record("accepted \(price)") } catch {
                #expect(error.field == "price")
            }
        }
        #expect(book.mark(for: "BTCUSDT") == nil)
    }

    @Test(arguments: [
        ("20000.04", "20000"), ("20000.05", "20000"), ("20000.15", "20000.2"), ("20000.06", "20000.1"), ("20000.1", "20000.1"),
    ] as [(Decimal8, Decimal8)])
    func offTickMarkRoundsHalfEven(price: Decimal8, expected: Decimal8) throws {
        var book = MarkBook(market: .builtIn)
        #expect(try book.update(symbol: "BTCUSDT", price: price, time: 5) == .applied(MarkPrice(price: expected, time: 5)))
    }

    @Test func offTickMarkIsRefusedUnderRefuseRule() throws {
        var book = MarkBook(market: .builtIn, offTickRule: .refuse)
        do { try book.update(symbol: "BTCUSDT", price: "20000.05", time: 0); Issue.record("accepted") } catch {
            #expect(error.field == "price")
        }
        try book.update(symbol: "BTCUSDT", price: "20000.1", time: 0)
        #expect(book.mark(for: "BTCUSDT")?.price == "20000.1")
    }

    @Test func olderMarkIsIgnored() throws {
        var book = MarkBook(market: .builtIn)
        try book.update(symbol: "SOLUSDT", price: "150", time: 2_000)
        let outcome = try book.update(symbol: "SOLUSDT", price: "140", time: 1_999)
        #expect(outcome == .ignoredAsStale(held: MarkPrice(price: "150", time: 2_000)))
        try book.update(symbol: "SOLUSDT", price: "141", time: 2_000)
        #expect(book.mark(for: "SOLUSDT") == MarkPrice(price: "141", time: 2_000))
    }

    @Test(arguments: [
        ("BTCUSDT", "18069.26545736", Rounding.down, "18069.2"),
        ("BTCUSDT", "21915.98878272", .up, "21916"),
        ("BTCUSDT", "100.05", .halfEven, "100"),
        ("ETHUSDT", "1234.5678", .halfEven, "1234.57"),
        ("DOGEUSDT", "0.123456", .up, "0.12346"),
    ] as [(String, Decimal8, Rounding, Decimal8)])
    func roundPriceToTick(symbol: String, price: Decimal8, rounding: Rounding, expected: Decimal8) throws {
        #expect(try PricingBook(market: .builtIn).roundPrice(price, symbol: symbol, rounding: rounding) == expected)
    }

    @Test(arguments: [
        ("BTCUSDT", "0.49999999", "0.4999"), ("BTCUSDT", "0.5", "0.5"), ("ETHUSDT", "1.2349", "1.234"),
        ("DOGEUSDT", "999.99", "999"), ("SOLUSDT", "0.009", "0"),
    ] as [(String, Decimal8, Decimal8)])
    func orderQuantityAlwaysRoundsDown(symbol: String, quantity: Decimal8, expected: Decimal8) throws {
        #expect(try PricingBook(market: .builtIn).roundOrderQuantity(quantity, symbol: symbol) == expected)
    }

    @Test func replacingMarketKeepsMarksOfListedSymbols() throws {
        var book = PricingBook(market: .builtIn)
        try book.updateMark(symbol: "BTCUSDT", price: "20000", time: 1)
        try book.updateMark(symbol: "ETHUSDT", price: "1500", time: 1)
        let btcOnly = try Market(specs: [try Market.builtIn.spec(for: "BTCUSDT")])
        try book.replaceMarket(btcOnly)
        #expect(try book.quote(for: "BTCUSDT").mark == "20000")
        #expect(throws: DomainError.self) { try book.quote(for: "ETHUSDT") }
    }
}
