import CopyTradeCore

/// The trading rules of every listed symbol, by name (SPEC §2).
///
/// A value type: a coordinator holds one, hands copies to readers, and replaces it whole when
/// an operator loads a new market file. Every spec is validated on the way in, so code that
/// receives a `Market` never re-checks tick sizes or tier tables.
public struct Market: Sendable, Hashable {
    /// The specs keyed by symbol name (`"BTCUSDT"`).
    public private(set) var specs: [String: SymbolSpec]

    /// Builds a market from specs, validating each (`SymbolSpec.validate()`) and refusing
    /// a symbol listed twice, so a broken file is refused whole rather than half-loaded.
    public init(specs: [SymbolSpec]) throws(DomainError) {
        var byName: [String: SymbolSpec] = [:]
        for spec in specs {
            try spec.validate()
            if byName[spec.symbol] != nil {
                throw DomainError(.alreadyExists, field: "symbols.\(spec.symbol)", "is listed more than once")
            }
            byName[spec.symbol] = spec
        }
        self.specs = byName
    }

    /// Symbol names in ascending order, for listings and stable output.
    public var symbols: [String] { specs.keys.sorted() }

    /// True when the market lists `symbol`.
    public func contains(_ symbol: String) -> Bool { specs[symbol] != nil }

    /// The spec of `symbol`; an unknown symbol is a `notFound` error naming the field `symbol`.
    public func spec(for symbol: String) throws(DomainError) -> SymbolSpec {
        guard let spec = specs[symbol] else {
            throw DomainError.notFound("symbol", "unknown symbol \"\(symbol)\"; listed: \(symbols.joined(separator: ", "))")
        }
        return spec
    }

    /// A copy with `spec` added or replaced (validated first).
    public func replacing(_ spec: SymbolSpec) throws(DomainError) -> Market {
        try spec.validate()
        var copy = self
        copy.specs[spec.symbol] = spec
        return copy
    }
}
