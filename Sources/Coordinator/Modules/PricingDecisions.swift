import CopyTradeCore
import Pricing
import Synchronization

/// The pricing module as the engine asks it: it records each mark and answers the mark in
/// force (docs/decisions.md, "Coordinator"). The only module with state (the marks).
public protocol PricingDecisions: Sendable {
    /// Records `price` for `symbol` observed at `at`; answers the mark the module now holds
    /// (an older update leaves the held one).
    func recordMark(symbol: String, price: Decimal8, at: Millis) async throws -> MarkPrice
}

/// The built-in pricing module called directly: a ``PricingBook`` behind a lock, as
/// ``PricingHandler`` keeps it.
public final class InProcessPricing: PricingDecisions {
    private let book: Mutex<PricingBook>

    public init(market: Market = .builtIn) {
        book = Mutex(PricingBook(market: market))
    }

    public func recordMark(symbol: String, price: Decimal8, at: Millis) async throws -> MarkPrice {
        try book.withLock { b throws(DomainError) -> MarkPrice in
            switch try b.updateMark(symbol: symbol, price: price, time: at) {
            case .applied(let m): m
            case .ignoredAsStale(let held): held
            }
        }
    }
}
