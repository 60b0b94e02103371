/// A set of record ids, as the state's per-account and per-trader indexes hold them. Nearly
/// every account has one position and one relation, and a one-element `Set` is a 112-byte
/// table of its own: one id is kept inline, and a table is made only for a second
/// (issue 13's memory profile: 163 bytes per position in `positionsByAccount` alone).
/// Iteration order is unspecified, as a `Set`'s; readers that need an order sort.
public struct IDSet: Sendable, Sequence, ExpressibleByArrayLiteral, Equatable {
    private enum Storage: Sendable {
        case empty
        case one(String)
        case many(Set<String>)
    }

    private var storage: Storage = .empty

    public init() {}

    public init(arrayLiteral ids: String...) {
        for id in ids { insert(id) }
    }

    public var count: Int {
        switch storage {
        case .empty: 0
        case .one: 1
        case .many(let s): s.count
        }
    }

    public var isEmpty: Bool { count == 0 }

    public func contains(_ id: String) -> Bool {
        switch storage {
        case .empty: false
        case .one(let x): x == id
        case .many(let s): s.contains(id)
        }
    }

    public mutating func insert(_ id: String) {
        switch storage {
        case .empty:
            storage = .one(id)
        case .one(let x):
            if x != id { storage = .many([x, id]) }
        case .many(var s):
            // Taken out of the enum first so the set is uniquely referenced and grows in place.
            storage = .empty
            s.insert(id)
            storage = .many(s)
        }
    }

    public mutating func remove(_ id: String) {
        switch storage {
        case .empty:
            break
        case .one(let x):
            if x == id { storage = .empty }
        case .many(var s):
            storage = .empty
            s.remove(id)
            storage = .many(s)
        }
    }

    /// Room for `capacity` ids (a fan-out adding as many copies of one trader position).
    public mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > 1 else { return }
        switch storage {
        case .empty:
            storage = .many(Set(minimumCapacity: capacity))
        case .one(let x):
            var s = Set<String>(minimumCapacity: capacity)
            s.insert(x)
            storage = .many(s)
        case .many(var s):
            storage = .empty
            s.reserveCapacity(capacity)
            storage = .many(s)
        }
    }

    public struct Iterator: IteratorProtocol {
        fileprivate var one: String?
        fileprivate var many: Set<String>.Iterator?

        public mutating func next() -> String? {
            if let id = one { one = nil; return id }
            return many?.next()
        }
    }

    public func makeIterator() -> Iterator {
        switch storage {
        case .empty: Iterator(one: nil, many: nil)
        case .one(let x): Iterator(one: x, many: nil)
        case .many(let s): Iterator(one: nil, many: s.makeIterator())
        }
    }

    public var underestimatedCount: Int { count }

    /// The ids of both, each once, in ``IDOrder``: an account's ids with those an input touched,
    /// as a per-account read walks them. One id, the common case, is neither unioned nor sorted.
    static func sortedUnion(_ a: IDSet?, _ b: IDSet?) -> [String] {
        let (a, b) = (a ?? [], b ?? [])
        if b.isEmpty || a == b { return a.count == 1 ? Array(a) : a.sorted(by: IDOrder.less) }
        if a.isEmpty { return b.count == 1 ? Array(b) : b.sorted(by: IDOrder.less) }
        var ids = Set(a)
        ids.formUnion(b)
        return ids.sorted(by: IDOrder.less)
    }

    /// Set equality: one id kept inline equals a table holding just that id (a table that
    /// shrank keeps its storage).
    public static func == (a: IDSet, b: IDSet) -> Bool {
        a.count == b.count && a.allSatisfy { b.contains($0) }
    }
}
