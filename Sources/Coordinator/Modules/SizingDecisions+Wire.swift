import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sizing

/// The sizing module out of process behind its wire API: the only place the engine's sizing
/// questions become protobuf (one `SizeBatch` per part of a fan-out).
public struct SizingOverWire: SizingDecisions {
    public let api: any SizingAPI

    public init(_ api: any SizingAPI) { self.api = api }

    public func plan(_ orders: [CopyOrderRequest]) async throws -> [CopySizingAnswer] {
        guard let first = orders.first else { return [] }
        var batch = Copytrade_V1_SizeBatchRequest()
        batch.side = first.side.wire
        batch.fillPriceE8 = first.fillPrice.e8
        batch.traderQuantityE8 = first.traderQuantity.e8
        batch.market = Self.market(first.rules)
        batch.items = orders.map(Self.item)
        let answer = try await api.sizeBatch(batch)
        return answer.decisions.enumerated().map { i, d in
            if i < answer.errors.count, !answer.errors[i].isEmpty { return .refused(answer.errors[i]) }
            if d.skipped { return .skipped(Self.reason(d.reason), detail: d.reasonText) }
            let order = i < orders.count ? orders[i] : first
            return .planned(CopyOrderPlan(side: order.side, quantity: Decimal8(e8: d.quantityE8), openValue: Decimal8(e8: d.orderValueE8),
                                          margin: Decimal8(e8: d.orderMarginE8), fee: Decimal8(e8: d.feeE8),
                                          worstPrice: Decimal8(e8: d.worstPriceE8), targetValue: Decimal8(e8: d.copierOpenValueE8),
                                          budget: Decimal8(e8: d.copierMarginE8), leverage: order.leverage))
        }
    }

    public func closeQuantity(_ c: CopyCloseRequest) async throws -> Decimal8 {
        var q = Copytrade_V1_CloseQuantityRequest()
        q.traderQuantityBeforeE8 = c.traderQuantityBefore.e8
        q.traderCloseQuantityE8 = c.traderClosedQuantity.e8
        q.copierQuantityE8 = c.copierQuantity.e8
        q.stepSizeE8 = c.stepSize.e8
        q.minQuantityE8 = c.minQuantity.e8
        return Decimal8(e8: try await api.closeQuantity(q).quantityE8)
    }

    static func market(_ rules: CopySymbolRules) -> Copytrade_V1_SizingMarket {
        var m = Copytrade_V1_SizingMarket()
        m.takerFeeRateE8 = rules.takerFeeRate.e8
        m.stepSizeE8 = rules.stepSize.e8
        m.minQuantityE8 = rules.minQuantity.e8
        m.minNotionalE8 = rules.minNotional.e8
        m.maxLeverage = Int32(clamping: rules.maxLeverage)
        m.tickSizeE8 = rules.tickSize?.e8 ?? 0
        return m
    }

    /// One copier's terms; the fill's shared fields travel once, on the batch.
    static func item(_ r: CopyOrderRequest) -> Copytrade_V1_SizeRequest {
        var item = Copytrade_V1_SizeRequest()
        switch r.mode {
        case .proportional(let m):
            item.mode = .proportional
            item.multiplierE8 = m.e8
        case .fixedMargin(let b):
            item.mode = .fixed
            item.fixedMarginE8 = b.e8
        }
        item.leverage = Int32(clamping: r.leverage)
        item.slippageE8 = r.slippage.e8
        if let available = r.availableBalance {
            item.hasAvailable_p = true
            item.availableE8 = available.e8
        }
        item.paused = r.relation.isPaused
        item.maxMarginPerOrderE8 = r.relation.maxMarginPerOrder?.e8 ?? 0
        item.maxTotalMarginE8 = r.relation.maxTotalCopyMargin?.e8 ?? 0
        if r.relation.maxTotalCopyMargin != nil { item.currentTotalMarginE8 = r.relation.currentTotalCopyMargin.e8 }
        return item
    }

    /// A wire skip reason read back; nil for one this coordinator does not know.
    static func reason(_ w: Copytrade_V1_SkipReason) -> CopySkipReason? {
        switch w {
        case .paused: .relationPaused
        case .belowMinQuantity: .belowMinimumQuantity
        case .belowMinNotional: .belowMinimumNotional
        case .maxMarginPerOrder: .aboveMaxMarginPerOrder
        case .maxTotalMargin: .aboveMaxTotalCopyMargin
        case .insufficientBalance: .insufficientBalance
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
