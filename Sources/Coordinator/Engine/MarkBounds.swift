import CopyTradeCore

/// What a mark price must be before the engine records it (issue 10: marks off the tick were
/// rounded, and a mark of Int64.max showed an equity of 54,879,061,714; docs/decisions.md,
/// "Market data"). A refused mark changes nothing, like any refused input.
enum MarkBounds {
    /// One mark may be at most this many times the reference, or at least its 1/factor. No
    /// market moves a hundredfold between two marks (the SPEC §3 walk moves 25%; the
    /// simulations' gaps 30%), while a fat-fingered or hostile feed value does.
    static let maxMoveFactor: Int64 = 100

    /// `price` must be on the tick (like an open's fill price, so a liquidation price shown on
    /// the tick is reached exactly) and within ``maxMoveFactor`` of every reference price: the
    /// symbol's last mark, or, before its first mark, the entries of the positions open on it.
    static func check(_ price: Decimal8, spec: SymbolSpec, references: [Decimal8]) throws(DomainError) {
        guard price.isMultiple(of: spec.tickSize) else {
            throw DomainError.invalid("price", "must be a multiple of the tick \(spec.tickSize), got \(price)")
        }
        guard let low = references.min(), let high = references.max() else { return }
        let p = Int128(price.units), f = Int128(maxMoveFactor)
        guard p <= Int128(low.units) * f, p * f >= Int128(high.units) else {
            let reference = low == high ? "\(low)" : "\(low) to \(high)"
            throw DomainError.invalid("price", "must be within \(maxMoveFactor) times of \(reference) (the last mark, or the open positions' entries before the first mark), got \(price)")
        }
    }

    /// The prices a new mark of `symbol` is bounded by (see ``check(_:spec:references:)``).
    /// Positions are scanned only before a symbol's first mark.
    static func references(_ symbol: String, _ tx: EngineTransaction) -> [Decimal8] {
        if let last = tx.mark(symbol) { return [last.price] }
        return tx.base.positions.values.filter { $0.symbol == symbol }.map(\.entry)
    }
}
