import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

extension Engine {
    /// Fans a trader's fill out to every follower: one batched sizing call, then each planned
    /// order fills at the trader's price unless the mark has moved beyond the copier's worst
    /// price. Skips and unfilled orders are recorded with their reason.
    func copyOpen(trader: String, traderPosition: PositionRecord, fill price: Decimal8, quantity: Decimal8,
                  tx: inout EngineTransaction) async throws {
        let relations = tx.relations(ofTrader: trader)
        guard !relations.isEmpty else { return }
        let spec = try spec(traderPosition.symbol)
        var batch = Copytrade_V1_SizeBatchRequest()
        batch.side = traderPosition.side.wire
        batch.fillPriceE8 = price.e8
        batch.traderQuantityE8 = quantity.e8
        var market = Copytrade_V1_SizingMarket()
        market.takerFeeRateE8 = spec.takerFeeRate.e8
        market.stepSizeE8 = spec.stepSize.e8
        market.minQuantityE8 = spec.minQuantity.e8
        market.minNotionalE8 = spec.minNotional.e8
        market.maxLeverage = Int32(clamping: spec.maxLeverage)
        market.tickSizeE8 = spec.tickSize.e8
        batch.market = market
        batch.items.reserveCapacity(relations.count)
        tx.reserve(copies: relations.count)
        for rel in relations {
            var item = Copytrade_V1_SizeRequest()
            switch rel.mode {
            case .proportional(let m):
                item.mode = .proportional
                item.multiplierE8 = m.e8
            case .fixed(let b):
                item.mode = .fixed
                item.fixedMarginE8 = b.e8
            }
            item.leverage = Int32(clamping: rel.leverage(for: spec.symbol))
            item.slippageE8 = (rel.slippage ?? spec.slippage).e8
            let available = try tx.available(rel.copier)
            item.hasAvailable_p = true
            item.availableE8 = available.e8
            item.paused = rel.paused
            item.maxMarginPerOrderE8 = rel.maxMarginPerOrder?.e8 ?? 0
            item.maxTotalMarginE8 = rel.maxTotalMargin?.e8 ?? 0
            if rel.maxTotalMargin != nil { item.currentTotalMarginE8 = try copyMargin(relation: rel, tx).e8 }
            batch.items.append(item)
        }
        let answer = try await sizeBatch(batch)
        guard answer.decisions.count == relations.count else {
            throw DomainError(.internal, field: "", "sizing module answered \(answer.decisions.count) of \(relations.count) decisions")
        }
        let mark = tx.mark(spec.symbol)?.price
        var opened: [PositionRecord] = []
        for (i, rel) in relations.enumerated() {
            if i < answer.errors.count, !answer.errors[i].isEmpty {
                tx.event("copy.skipped", account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         reason: "invalid", detail: answer.errors[i])
                continue
            }
            let d = answer.decisions[i]
            if d.skipped {
                tx.event("copy.skipped", account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         reason: d.reason.name, detail: d.reasonText)
                continue
            }
            let worst = Decimal8(e8: d.worstPriceE8)
            if let mark, traderPosition.side == .long ? mark > worst : mark < worst {
                tx.event("copy.unfilled", account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         price: worst, quantity: Decimal8(e8: d.quantityE8), reason: "price_beyond_worst",
                         detail: "mark \(mark) is beyond the worst acceptable price \(worst)")
                continue
            }
            let existing = tx.copy(of: traderPosition.id, account: rel.copier)
            let p = try await fill(account: rel.copier, existing: existing, symbol: spec.symbol, side: traderPosition.side,
                                   quantity: Decimal8(e8: d.quantityE8), price: price, leverage: rel.leverage(for: spec.symbol),
                                   mode: existing?.mode ?? rel.marginMode(for: spec.symbol), margin: Decimal8(e8: d.marginE8),
                                   fee: Decimal8(e8: d.feeE8), at: traderPosition.openedMs, copiedFrom: traderPosition.id,
                                   relationID: rel.id, autoMargin: rel.autoMarginAmount, tx: &tx)
            opened.append(p)
            tx.event(existing == nil ? "copy.opened" : "copy.increased", account: rel.copier, symbol: spec.symbol, position: p.id,
                     amount: Decimal8(e8: d.marginE8), price: price, quantity: Decimal8(e8: d.quantityE8),
                     detail: "copies \(traderPosition.id) fee \(Decimal8(e8: d.feeE8))")
        }
        for p in try await withLiquidationPrices(opened) { tx.put(p) }
    }

    /// Margin already committed to a relation's open copies (for the total-margin cap).
    func copyMargin(relation: RelationRecord, _ tx: EngineTransaction) throws(DomainError) -> Decimal8 {
        var total = Decimal8.zero
        for p in tx.positions(of: relation.copier) where p.relationID == relation.id { total = try total + p.margin }
        return total
    }
}
