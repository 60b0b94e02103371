import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Pricing

/// The pricing module out of process behind its wire API (`SetMark`).
public struct PricingOverWire: PricingDecisions {
    public let api: any PricingAPI

    public init(_ api: any PricingAPI) { self.api = api }

    public func recordMark(symbol: String, price: Decimal8, at: Millis) async throws -> MarkPrice {
        var r = Copytrade_V1_SetMarkRequest()
        r.symbol = symbol
        r.priceE8 = price.e8
        r.atMs = at
        let quote = try await api.setMark(r)
        return MarkPrice(price: Decimal8(e8: quote.markPriceE8), time: quote.atMs)
    }
}
