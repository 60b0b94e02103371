/// The ids of one account's positions (or orders) an input touched. A fan-out or a margin sync
/// touches one position per copier: kept inline, that is one table entry and no set allocated
/// per copier (issue 13's profile: a `Set` per copier was a tenth of `EngineTransaction.put`).
struct TouchedIDs: Sendable, Sequence {
    private var first: String?
    private var rest: Set<String> = []

    init() {}

    mutating func insert(_ id: String) {
        guard let first else { first = id; return }
        if id != first { rest.insert(id) }
    }

    struct Iterator: IteratorProtocol {
        var first: String?
        var rest: Set<String>.Iterator

        mutating func next() -> String? {
            if let id = first { first = nil; return id }
            return rest.next()
        }
    }

    func makeIterator() -> Iterator { Iterator(first: first, rest: rest.makeIterator()) }

    /// These ids with `base`'s, each once, in ``IDOrder``: what a per-account read walks.
    /// An account with one position, the common case, is neither unioned nor sorted.
    static func merged(_ base: IDSet?, _ touched: TouchedIDs?) -> [String] {
        guard let touched else {
            guard let base, !base.isEmpty else { return [] }
            return base.count == 1 ? Array(base) : base.sorted(by: IDOrder.less)
        }
        guard let only = touched.first else { return merged(base, nil) }
        guard let base, !base.isEmpty else {
            return touched.rest.isEmpty ? [only] : touched.sorted(by: IDOrder.less)
        }
        if touched.rest.isEmpty, base.count == 1, base.contains(only) { return [only] }
        var ids = Set(base)
        for id in touched { ids.insert(id) }
        return ids.sorted(by: IDOrder.less)
    }
}
