import CopyTradeCore

/// Where the other modules get symbol rules and mark prices; swap in a live feed or a fixture.
public protocol PriceSource: Sendable {
    /// The rules of `symbol`; unknown symbols throw `notFound` naming `symbol`.
    func spec(for symbol: String) throws(DomainError) -> SymbolSpec
    /// Mark and fees of `symbol`; throws `failedPrecondition` naming `mark` when no mark has arrived.
    func quote(for symbol: String) throws(DomainError) -> Quote
}

extension PriceSource {
    /// `price` rounded to the symbol's tick with the caller's named rounding
    /// (e.g. a long's liquidation price `.down`, a worst acceptable buy price `.up`).
    public func roundPrice(_ price: Decimal8, symbol: String, rounding: Rounding) throws(DomainError) -> Decimal8 {
        try price.rounded(toMultipleOf: spec(for: symbol).tickSize, rounding)
    }

    /// An order quantity rounded down to the symbol's step (SPEC §1: never round an order up).
    public func roundOrderQuantity(_ quantity: Decimal8, symbol: String) throws(DomainError) -> Decimal8 {
        try quantity.rounded(toMultipleOf: spec(for: symbol).stepSize, .down)
    }
}
