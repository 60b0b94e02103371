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
        // Each copier's balances as the sizing module is told them: one relation per copier and
        // trader, so nothing else in this fan-out changes them before the copy is applied.
        var copierBalances: [AccountBalances] = []
        copierBalances.reserveCapacity(relations.count)
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
            let balances = try tx.balances(of: rel.copier)
            copierBalances.append(balances)
            item.hasAvailable_p = true
            item.availableE8 = balances.spendable.e8
            item.paused = rel.paused
            item.maxMarginPerOrderE8 = rel.maxMarginPerOrder?.e8 ?? 0
            item.maxTotalMarginE8 = rel.maxTotalMargin?.e8 ?? 0
            if rel.maxTotalMargin != nil { item.currentTotalMarginE8 = try copyMargin(relation: rel, tx).e8 }
            batch.items.append(item)
        }
        let answer = try await sizeBatch(batch)
        guard answer.decisions.count == relations.count else {
            throw ModuleFault.error("sizing", "\(answer.decisions.count) of \(relations.count) decisions")
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
            let mode = existing?.mode ?? rel.marginMode(for: spec.symbol)
            let quantity = Decimal8(e8: d.quantityE8), margin = Decimal8(e8: d.orderMarginE8), fee = Decimal8(e8: d.feeE8)
            if let refusal = try await copyGuard(quantity: quantity, margin: margin, fee: fee, mode: mode, existing: existing,
                                                 balances: copierBalances[i], relation: rel, traderPosition: traderPosition,
                                                 spec: spec, price: price, tx: tx) {
                tx.event("copy.skipped", account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         reason: refusal.reason, detail: refusal.detail)
                continue
            }
            let p = try await fill(account: rel.copier, existing: existing, symbol: spec.symbol, side: traderPosition.side,
                                   quantity: quantity, price: price, leverage: rel.leverage(for: spec.symbol),
                                   mode: mode, margin: margin,
                                   fee: fee, at: traderPosition.openedMs, copiedFrom: traderPosition.id,
                                   relationID: rel.id, autoMargin: rel.autoMarginAmount, tx: &tx)
            opened.append(p)
            tx.event(existing == nil ? "copy.opened" : "copy.increased", account: rel.copier, symbol: spec.symbol, position: p.id,
                     amount: Decimal8(e8: d.orderMarginE8), price: price, quantity: Decimal8(e8: d.quantityE8),
                     detail: "copies \(traderPosition.id) fee \(Decimal8(e8: d.feeE8))")
        }
        for p in try await withLiquidationPrices(opened) { tx.put(p) }
    }

    /// Checks what the sizing module answered before it is applied: a quantity on the step and
    /// positive, margin and fee not negative and within the copier's available balance, and a
    /// copy that leaves the copier's cross positions safe (SPEC §7). Nil when the copy may go
    /// ahead; otherwise the skip reason and its explanation.
    func copyGuard(quantity: Decimal8, margin: Decimal8, fee: Decimal8, mode: MarginMode, existing: PositionRecord?,
                   balances: AccountBalances, relation rel: RelationRecord, traderPosition: PositionRecord,
                   spec: SymbolSpec, price: Decimal8, tx: EngineTransaction) async throws -> (reason: String, detail: String)? {
        guard quantity.isPositive, quantity.isMultiple(of: spec.stepSize), !margin.isNegative, !fee.isNegative else {
            throw ModuleFault.error("sizing", "quantity \(quantity) margin \(margin) fee \(fee) for \(rel.copier), not a valid order")
        }
        let needed = try margin + fee
        guard needed <= balances.available else {
            return (Copytrade_V1_SkipReason.insufficientBalance.name, "margin plus fee \(needed) is more than the available balance \(balances.available) (rechecked at apply time)")
        }
        guard balances.crossPositions > 0 || mode == .cross else { return nil }
        var adding: PositionRecord? = nil
        var taking = needed
        if mode == .cross {
            taking = fee
            if var e = existing {
                let total = try e.quantity + quantity
                e.entry = try (e.quantity.exact * e.entry.exact + quantity.exact * price.exact).divided(by: total.exact, rounding: .halfEven)
                e.quantity = total
                e.margin = try e.margin + margin
                adding = e
            } else {
                adding = PositionRecord(id: "", account: rel.copier, symbol: spec.symbol, side: traderPosition.side, quantity: quantity,
                                        entry: price, margin: margin, leverage: rel.leverage(for: spec.symbol), mode: .cross,
                                        openedMs: traderPosition.openedMs)
            }
        }
        guard try await crossSafe(rel.copier, taking: taking, adding: adding, tx: tx) else {
            return (Copytrade_V1_SkipReason.insufficientBalance.name, "the copy would leave the copier's cross positions liquidatable")
        }
        return nil
    }

    /// Margin already committed to a relation's open copies (for the total-margin cap).
    func copyMargin(relation: RelationRecord, _ tx: EngineTransaction) throws(DomainError) -> Decimal8 {
        var total = Decimal8.zero
        for p in tx.positions(of: relation.copier) where p.relationID == relation.id { total = try total + p.margin }
        return total
    }
}
