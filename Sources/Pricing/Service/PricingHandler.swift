import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Synchronization

/// The in-process pricing module: owns a ``PricingBook`` (specs and latest marks) behind a
/// lock, and answers the wire API. The only stateful module; its state is just the marks.
public final class PricingHandler: PricingAPI {
    private let book: Mutex<PricingBook>

    public init(market: Market = .builtIn) {
        book = Mutex(PricingBook(market: market))
    }

    public func listSymbols() async throws -> Copytrade_V1_ListSymbolsResponse {
        let market = book.withLock { $0.market }
        var out = Copytrade_V1_ListSymbolsResponse()
        out.specs = try market.symbols.map { SymbolSpecWire.wire(try market.spec(for: $0)) }
        return out
    }

    public func getSpec(_ r: Copytrade_V1_GetSpecRequest) async throws -> Copytrade_V1_SymbolSpec {
        SymbolSpecWire.wire(try book.withLock { b throws(DomainError) in try b.spec(for: r.symbol) })
    }

    public func setMark(_ r: Copytrade_V1_SetMarkRequest) async throws -> Copytrade_V1_Quote {
        let quote = try book.withLock { b throws(DomainError) -> Quote in
            try b.updateMark(symbol: r.symbol, price: Decimal8(e8: r.priceE8), time: r.atMs)
            return try b.quote(for: r.symbol)
        }
        return Self.wire(quote)
    }

    public func getQuote(_ r: Copytrade_V1_GetQuoteRequest) async throws -> Copytrade_V1_Quote {
        let (spec, mark) = try book.withLock { b throws(DomainError) in (try b.spec(for: r.symbol), b.marks.mark(for: r.symbol)) }
        guard let mark else {
            var q = Copytrade_V1_Quote()
            q.symbol = spec.symbol
            q.takerFeeRateE8 = spec.takerFeeRate.e8
            q.makerFeeRateE8 = spec.makerFeeRate.e8
            q.tickSizeE8 = spec.tickSize.e8
            q.stepSizeE8 = spec.stepSize.e8
            return q
        }
        return Self.wire(Quote(spec: spec, mark: mark))
    }

    public func roundPrice(_ r: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse {
        let rounding = try RoundingWire.domain(r.rounding, default: .down)
        let v = try book.withLock { b throws(DomainError) in
            try b.roundPrice(Decimal8(e8: r.valueE8), symbol: r.symbol, rounding: rounding)
        }
        var out = Copytrade_V1_RoundResponse()
        out.valueE8 = v.e8
        return out
    }

    public func roundQuantity(_ r: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse {
        let v = try book.withLock { b throws(DomainError) in try b.roundOrderQuantity(Decimal8(e8: r.valueE8), symbol: r.symbol) }
        var out = Copytrade_V1_RoundResponse()
        out.valueE8 = v.e8
        return out
    }

    public func info() async throws -> Copytrade_V1_ModuleInfo {
        ModuleInfo.make(module: "pricing", capabilities: ["marks", "specs", "rounding"])
    }

    static func wire(_ q: Quote) -> Copytrade_V1_Quote {
        var out = Copytrade_V1_Quote()
        out.symbol = q.symbol
        out.markPriceE8 = q.mark.e8
        out.hasMark_p = true
        out.atMs = q.markTime
        out.takerFeeRateE8 = q.takerFeeRate.e8
        out.makerFeeRateE8 = q.makerFeeRate.e8
        out.tickSizeE8 = q.tickSize.e8
        out.stepSizeE8 = q.stepSize.e8
        return out
    }
}
