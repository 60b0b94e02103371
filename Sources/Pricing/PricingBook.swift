import CopyTradeCore

/// The pricing module's state: the market's rules plus the latest marks, as one value.
public struct PricingBook: PriceSource, Hashable {
    /// The symbol rules.
    public private(set) var market: Market
    /// The latest marks.
    public private(set) var marks: MarkBook

    /// A book over `market` with no marks yet.
    public init(market: Market, offTickRule: OffTickMarkRule = .roundHalfEven) {
        self.market = market
        self.marks = MarkBook(market: market, offTickRule: offTickRule)
    }

    public func spec(for symbol: String) throws(DomainError) -> SymbolSpec {
        try market.spec(for: symbol)
    }

    public func quote(for symbol: String) throws(DomainError) -> Quote {
        let spec = try market.spec(for: symbol)
        guard let mark = marks.mark(for: symbol) else {
            throw DomainError(.failedPrecondition, field: "mark", "no mark price yet for \(symbol)")
        }
        return Quote(spec: spec, mark: mark)
    }

    /// Records a mark (see ``MarkBook/update(symbol:price:time:)`` for what is refused).
    @discardableResult
    public mutating func updateMark(symbol: String, price: Decimal8, time: Millis) throws(DomainError) -> MarkUpdate {
        try marks.update(symbol: symbol, price: price, time: time)
    }

    /// Replaces the market (e.g. a reloaded file), keeping the marks of symbols still listed.
    public mutating func replaceMarket(_ newMarket: Market) throws(DomainError) {
        var book = MarkBook(market: newMarket, offTickRule: marks.offTickRule)
        for (symbol, mark) in marks.marks where newMarket.contains(symbol) {
            try book.update(symbol: symbol, price: mark.price, time: mark.time)
        }
        market = newMarket
        marks = book
    }
}
