import CopyTradeCore

/// A symbol's latest mark price and the time it was observed.
public struct MarkPrice: Sendable, Hashable, Codable {
    /// The price used for PnL, risk and liquidation (on the tick unless the book refuses off-tick).
    public var price: Decimal8
    /// Observation time, ms since the Unix epoch.
    public var time: Millis

    public init(price: Decimal8, time: Millis) {
        self.price = price
        self.time = time
    }
}

/// What a mark book does with a price that is not a multiple of the symbol's tick.
public enum OffTickMarkRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// Round half-even to the tick (default). Liquidation prices are shown on the tick, so a
    /// mark on the tick makes "liquidated" mean exactly "the mark reached the shown price".
    case roundHalfEven
    /// Refuse the update with an `invalidArgument` naming `price`.
    case refuse
}

/// Whether a mark update changed the book.
public enum MarkUpdate: Sendable, Hashable {
    /// The book now holds this mark.
    case applied(MarkPrice)
    /// The update was older than the mark held, which is kept (marks can arrive out of order).
    case ignoredAsStale(held: MarkPrice)
}

/// The latest mark price per symbol of one market.
///
/// Only symbols the market lists are accepted, prices must be positive, and an update older
/// than the mark held is ignored rather than applied, so a late packet cannot move the price back.
public struct MarkBook: Sendable, Hashable {
    /// Tick size per listed symbol: the only part of the market the book needs.
    private var ticks: [String: Decimal8]
    /// Latest marks by symbol.
    public private(set) var marks: [String: MarkPrice] = [:]
    /// What to do with an off-tick price.
    public var offTickRule: OffTickMarkRule

    /// An empty book for the symbols of `market`.
    public init(market: Market, offTickRule: OffTickMarkRule = .roundHalfEven) {
        self.ticks = market.specs.mapValues(\.tickSize)
        self.offTickRule = offTickRule
    }

    /// The latest mark of `symbol`, or nil when none has arrived yet.
    public func mark(for symbol: String) -> MarkPrice? { marks[symbol] }

    /// Records a mark. Refuses an unknown symbol (`symbol`, notFound), a price that is not
    /// positive (`price`), and, under `.refuse`, an off-tick price (`price`).
    @discardableResult
    public mutating func update(symbol: String, price: Decimal8, time: Millis) throws(DomainError) -> MarkUpdate {
        guard let tick = ticks[symbol] else {
            throw DomainError.notFound("symbol", "unknown symbol \"\(symbol)\"")
        }
        guard price.isPositive else { throw DomainError.invalid("price", "must be greater than 0, got \(price)") }
        var onTick = price
        if !price.isMultiple(of: tick) {
            switch offTickRule {
            case .refuse:
                throw DomainError.invalid("price", "must be a multiple of the tick size \(tick), got \(price)")
            case .roundHalfEven:
                onTick = try price.rounded(toMultipleOf: tick, .halfEven)
                guard onTick.isPositive else {
                    throw DomainError.invalid("price", "must be at least half a tick (\(tick)), got \(price)")
                }
            }
        }
        if let held = marks[symbol], time < held.time { return .ignoredAsStale(held: held) }
        let mark = MarkPrice(price: onTick, time: time)
        marks[symbol] = mark
        return .applied(mark)
    }

    /// Forgets the mark of `symbol` (e.g. when a symbol is delisted).
    public mutating func removeMark(for symbol: String) { marks[symbol] = nil }
}
