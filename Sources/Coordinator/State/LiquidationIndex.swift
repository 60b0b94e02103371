import CopyTradeCore
import HeapModule
import Synchronization

/// The index behind a lock, shared by copies of ``EngineState``: it is derived bookkeeping that
/// only the sequencer's single loop changes, and sharing it keeps a mark tick from copying it.
public final class SharedLiquidationIndex: Sendable {
    private let index = Mutex(LiquidationIndex())
    public init() {}
    public func update(_ p: PositionRecord) { index.withLock { $0.update(p) } }
    public func remove(positionID: String) { index.withLock { $0.remove(positionID: positionID) } }
    public func takeCrossed(symbol: String, mark: Decimal8) -> [String] {
        index.withLock { $0.takeCrossed(symbol: symbol, mark: mark) }
    }
    public var count: Int { index.withLock { $0.count } }
}

/// Per symbol, the isolated positions ordered by liquidation price, so a mark update touches
/// only the positions it crosses (SPEC §3): longs are liquidatable from the highest liquidation
/// price down, shorts from the lowest up. Entries are invalidated lazily: a position whose
/// liquidation price changed or that closed leaves a stale entry that is dropped when it surfaces.
public struct LiquidationIndex: Sendable {
    struct Entry: Comparable, Sendable {
        var price: Int64
        var positionID: String
        static func < (a: Entry, b: Entry) -> Bool {
            a.price != b.price ? a.price < b.price : a.positionID < b.positionID
        }
    }

    struct Book: Sendable {
        var longs = Heap<Entry>()
        var shorts = Heap<Entry>()
    }

    private var books: [String: Book] = [:]
    /// The price each indexed position is filed under; an entry is current only if it matches.
    private var current: [String: Int64] = [:]

    public init() {}

    /// Files (or refiles) a position under its liquidation price; removes it when it has none.
    public mutating func update(_ p: PositionRecord) {
        guard p.mode == .isolated, let lp = p.liquidationPrice, p.quantity.isPositive else {
            current[p.id] = nil
            return
        }
        if current[p.id] == lp.units { return }
        current[p.id] = lp.units
        let e = Entry(price: lp.units, positionID: p.id)
        if p.side == .long { books[p.symbol, default: Book()].longs.insert(e) }
        else { books[p.symbol, default: Book()].shorts.insert(e) }
    }

    public mutating func remove(positionID: String) {
        current[positionID] = nil
    }

    /// Removes and returns the ids of positions whose liquidation price the mark has reached:
    /// longs with price >= mark, shorts with price <= mark. The caller refiles survivors.
    public mutating func takeCrossed(symbol: String, mark: Decimal8) -> [String] {
        guard var book = books[symbol] else { return [] }
        var out: [String] = []
        while let top = book.longs.max, top.price >= mark.units {
            book.longs.removeMax()
            if current[top.positionID] == top.price {
                current[top.positionID] = nil
                out.append(top.positionID)
            }
        }
        while let top = book.shorts.min, top.price <= mark.units {
            book.shorts.removeMin()
            if current[top.positionID] == top.price {
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
