import CopyTradeCore
import HeapModule
import Synchronization

/// An index behind a lock, shared by copies of ``EngineState``: it is derived bookkeeping that
/// only the sequencer's single loop changes, and sharing it keeps a mark tick from copying it.
public final class SharedPriceIndex: Sendable {
    private let index: Mutex<PriceTriggerIndex>
    private let filing: @Sendable (PositionRecord) -> PriceTriggerIndex.Filing?
    /// False until something is filed: a position with nothing to file then costs no lock (the
    /// trigger index stays empty when no relation has TP/SL).
    private let populated = Atomic<Bool>(false)

    /// `filing` says where a position is filed (nil: not at all).
    init(filing: @escaping @Sendable (PositionRecord) -> PriceTriggerIndex.Filing?) {
        self.index = Mutex(PriceTriggerIndex())
        self.filing = filing
    }

    public func update(_ p: PositionRecord) {
        let f = filing(p)
        if f == nil, !populated.load(ordering: .relaxed) { return }
        if f != nil { populated.store(true, ordering: .relaxed) }
        index.withLock { $0.update(p.id, symbol: p.symbol, f) }
    }
    public func remove(positionID: String) { index.withLock { $0.remove(positionID) } }
    public func takeCrossed(symbol: String, mark: Decimal8) -> [String] {
        index.withLock { $0.takeCrossed(symbol: symbol, mark: mark) }
    }
    public var count: Int { index.withLock { $0.count } }

    /// Isolated positions under their liquidation price (SPEC §3): a long is liquidatable at or
    /// below it, a short at or above it.
    public static func liquidations() -> SharedPriceIndex {
        SharedPriceIndex { p in
            guard p.mode == .isolated, let lp = p.liquidationPrice, p.quantity.isPositive else { return nil }
            return p.side == .long ? .init(below: lp.units) : .init(above: lp.units)
        }
    }

    /// Copies under their take-profit and stop-loss prices (docs/protections.md): a long takes
    /// profit at or above its TP and stops at or below its SL; a short the other way round.
    public static func copyTriggers() -> SharedPriceIndex {
        SharedPriceIndex { p in
            let t = p.triggers
            guard t.isSet, p.quantity.isPositive else { return nil }
            let (below, above) = p.side == .long ? (t.stopLoss, t.takeProfit) : (t.takeProfit, t.stopLoss)
            return .init(below: below?.units, above: above?.units)
        }
    }
}

/// Per symbol, positions ordered by the prices at which a mark sets them off, so a mark update
/// touches only the positions it crosses (SPEC §3): "below" prices fire when the mark falls to
/// them (checked from the highest down), "above" prices when it rises to them (from the lowest
/// up). Entries are invalidated lazily: a position whose prices changed or that closed leaves a
/// stale entry that is dropped when it surfaces.
public struct PriceTriggerIndex: Sendable {
    /// Where a position is filed: at most one price each way.
    public struct Filing: Sendable, Equatable {
        var below: Int64?
        var above: Int64?
        init(below: Int64? = nil, above: Int64? = nil) {
            self.below = below
            self.above = above
        }
    }

    struct Entry: Comparable, Sendable {
        var price: Int64
        var positionID: String
        static func < (a: Entry, b: Entry) -> Bool {
            a.price != b.price ? a.price < b.price : a.positionID < b.positionID
        }
    }

    struct Book: Sendable {
        var below = Heap<Entry>()
        var above = Heap<Entry>()
    }

    private var books: [String: Book] = [:]
    /// Where each indexed position is filed; an entry is current only if it matches.
    private var current: [String: Filing] = [:]

    public init() {}

    /// Files (or refiles) a position; removes it when `filing` is nil.
    public mutating func update(_ id: String, symbol: String, _ filing: Filing?) {
        guard let filing, filing.below != nil || filing.above != nil else {
            if !current.isEmpty { current[id] = nil }
            return
        }
        let old = current[id]
        if old == filing { return }
        current[id] = filing
        if let b = filing.below, old?.below != b { books[symbol, default: Book()].below.insert(Entry(price: b, positionID: id)) }
        if let a = filing.above, old?.above != a { books[symbol, default: Book()].above.insert(Entry(price: a, positionID: id)) }
    }

    public mutating func remove(_ id: String) {
        current[id] = nil
    }

    /// Removes and returns the ids of positions whose price the mark has reached: "below"
    /// prices at or above the mark, "above" prices at or below it, each once. The caller
    /// refiles the positions that are still open.
    public mutating func takeCrossed(symbol: String, mark: Decimal8) -> [String] {
        guard var book = books[symbol] else { return [] }
        var out: [String] = []
        while let top = book.below.max, top.price >= mark.units {
            book.below.removeMax()
            if let f = current[top.positionID], f.below == top.price {
                current[top.positionID] = nil
                out.append(top.positionID)
            }
        }
        while let top = book.above.min, top.price <= mark.units {
            book.above.removeMin()
            if let f = current[top.positionID], f.above == top.price {
                current[top.positionID] = nil
                out.append(top.positionID)
            }
        }
        books[symbol] = book
        return out
    }

    /// Number of positions currently indexed.
    public var count: Int { current.count }
}
