import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// The in-process sizing module: wire requests in, ``CopySizer`` decisions out. The ttrpc
/// service and the coordinator's in-process route both call this, so both give the same answers.
public struct SizingHandler: SizingAPI {
    public let sizer: any CopySizer

    public init(sizer: any CopySizer = StandardCopySizer()) {
        self.sizer = sizer
    }

    public func size(_ request: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision {
        try decide(request)
    }

    /// Synchronous core of ``size(_:)``, also used per item by batches.
    public func decide(_ r: Copytrade_V1_SizeRequest) throws(DomainError) -> Copytrade_V1_SizeDecision {
        let outcome = try sizer.plan(try Self.domainRequest(r))
        return Self.wire(outcome)
    }

    public func sizeBatch(_ request: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        var out = Copytrade_V1_SizeBatchResponse()
        out.decisions.reserveCapacity(request.items.count)
        out.errors.reserveCapacity(request.items.count)
        for var item in request.items {
            item.side = request.side
            item.fillPriceE8 = request.fillPriceE8
            item.traderQuantityE8 = request.traderQuantityE8
            item.market = request.market
            do {
                out.decisions.append(try decide(item))
                out.errors.append("")
            } catch {
                out.decisions.append(Copytrade_V1_SizeDecision())
                out.errors.append(error.description)
            }
        }
        return out
    }

    public func recommend(_ request: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse {
        let sizer = try StandardCopySizer(bounds: Self.bounds(request.minMultiplierE8, request.maxMultiplierE8))
        let range = try sizer.recommend(copierEquity: Decimal8(e8: request.copierEquityE8),
                                        traderEquity: Decimal8(e8: request.traderEquityE8))
        var out = Copytrade_V1_RecommendResponse()
        out.minE8 = range.lower.e8
        out.maxE8 = range.upper.e8
        return out
    }

    public func closeQuantity(_ r: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse {
        let plan = try sizer.closeQuantity(
            copierQuantity: Decimal8(e8: r.copierQuantityE8), traderClosedQuantity: Decimal8(e8: r.traderCloseQuantityE8),
            traderQuantityBefore: Decimal8(e8: r.traderQuantityBeforeE8), stepSize: Decimal8(e8: r.stepSizeE8),
            minQuantity: Decimal8(e8: r.minQuantityE8))
        var out = Copytrade_V1_CloseQuantityResponse()
        out.quantityE8 = plan.quantity.e8
        out.closesAll = plan.closesAll
        return out
    }

    public func info() async throws -> Copytrade_V1_ModuleInfo {
        ModuleInfo.make(module: "sizing", capabilities: ["proportional", "fixed", "batch"])
    }
}
