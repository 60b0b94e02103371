import CopyTradeCore
import Sizing

extension Engine {
    /// Fans a trader's fill out to every follower: one batched sizing call, then each planned
    /// order fills at the trader's price unless the mark has moved beyond the copier's worst
    /// price. Skips and unfilled orders are recorded with their reason.
    /// `mark` is the mark the trader's fill saw: on another shard it travels with the fill, so
    /// the copy is filled or not exactly as it would have been on the trader's shard.
    /// `only`: the relations to copy for (a follow copying the trader's open positions); nil:
    /// every following relation of the trader. `note` is added to each copy's event detail.
    func copyOpen(trader: String, traderPosition: PositionRecord, fill price: Decimal8, quantity: Decimal8,
                  mark markPoint: MarkPoint?, filledMs: Millis, only: [RelationRecord]? = nil, note: String = "",
                  tx: inout EngineTransaction) async throws {
        let spec = try spec(traderPosition.symbol)
        var relations = only ?? tx.relations(ofTrader: trader)
        // Stopped and ended relations place no copies; a relation that lists its symbols copies
        // only those (docs/protections.md). The list is rebuilt only when one is left out: a
        // relation record is large, and a fan-out has one per copier.
        if relations.contains(where: { !$0.isFollowing || !$0.copies(spec.symbol) }) {
            var kept: [RelationRecord] = []
            for rel in relations where rel.isFollowing {
                guard rel.copies(spec.symbol) else {
                    tx.event(.copySkipped, account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                             reason: "symbol_not_copied", detail: "\(rel.id) copies \(rel.symbols.joined(separator: ","))" + note)
                    continue
                }
                kept.append(rel)
            }
            relations = kept
        }
        guard !relations.isEmpty else { return }
        let day = UTCDay.of(filledMs)
        let rules = CopySymbolRules(spec)
        var orders: [CopyOrderRequest] = []
        orders.reserveCapacity(relations.count)
        tx.reserve(copies: relations.count)
        // Each copier's balances as the sizing module is told them: one relation per copier and
        // trader, so nothing else in this fan-out changes them before the copy is applied.
        var copierBalances: [AccountBalances] = []
        copierBalances.reserveCapacity(relations.count)
        for rel in relations {
            let mode: CopyMode = switch rel.mode {
            case .proportional(let m): .proportional(multiplier: m)
            case .fixed(let b): .fixedMargin(b)
            }
            let balances = try tx.balances(of: rel.copier)
            copierBalances.append(balances)
            // A cap of zero is no cap, as the module reads it.
            let limits = CopyRelationLimits(
                isPaused: rel.paused, maxMarginPerOrder: rel.maxMarginPerOrder.flatMap { $0.isPositive ? $0 : nil },
                maxTotalCopyMargin: rel.maxTotalMargin.flatMap { $0.isPositive ? $0 : nil },
                currentTotalCopyMargin: rel.maxTotalMargin != nil ? try copyMargin(relation: rel, tx) : .zero)
            orders.append(CopyOrderRequest(side: traderPosition.side, fillPrice: price, traderQuantity: quantity, mode: mode,
                                           leverage: rel.leverage(for: spec.symbol), rules: rules,
                                           slippage: rel.slippage ?? spec.slippage, relation: limits,
                                           availableBalance: balances.spendable))
        }
        let answers = try await plan(orders)
        guard answers.count == relations.count else {
            throw ModuleFault.error("sizing", "\(answers.count) of \(relations.count) decisions")
        }
        let mark = markPoint?.price
        var opened: [PositionRecord] = []
        var openedFor: [Int] = []
        for (i, rel) in relations.enumerated() {
            let d: CopyOrderPlan
            switch answers[i] {
            case .refused(let reason):
                tx.event(.copySkipped, account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         reason: "invalid", detail: reason + note)
                continue
            case .skipped(let reason, let detail):
                tx.event(.copySkipped, account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         reason: reason?.historyName ?? unknownOutcomeName, detail: detail + note)
                continue
            case .planned(let plan):
                d = plan
            }
            let worst = d.worstPrice
            if let mark, traderPosition.side == .long ? mark > worst : mark < worst {
                tx.event(.copyUnfilled, account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         price: worst, quantity: d.quantity, reason: "price_beyond_worst",
                         detail: "mark \(mark) is beyond the worst acceptable price \(worst)" + note)
                continue
            }
            let existing = tx.copy(of: traderPosition.id, account: rel.copier, relation: rel.id)
            let mode = existing?.mode ?? rel.marginMode(for: spec.symbol)
            let quantity = d.quantity, margin = d.margin, fee = d.fee
            if let refusal = try await copyGuard(quantity: quantity, margin: margin, fee: fee, mode: mode, existing: existing,
                                                 balances: copierBalances[i], relation: rel, traderPosition: traderPosition,
                                                 spec: spec, price: price, tx: tx) {
                tx.event(.copySkipped, account: rel.copier, symbol: spec.symbol, position: traderPosition.id,
                         reason: refusal.reason, detail: refusal.detail + note)
                continue
            }
            // The daily copy margin cap (docs/protections.md): this order included, by the UTC
            // day of the trader's fill.
            if let cap = rel.maxDailyMargin {
                // The day never moves back: a fill dated to an earlier day (an occurrence time in
                // the past is allowed) counts in the later day already counted, so back-dating
                // cannot reset the cap.
                let day = max(day, rel.dailyMarginDay)
                let used = rel.dailyMarginDay == day ? rel.dailyMarginUsed : .zero
                let total = try used + margin
                guard total <= cap else {
                    tx.event(.copySkipped, account: rel.copier, symbol: spec.symbol, position: traderPosition.id, reason: "daily_cap",
                             detail: "margin \(margin) with \(used) already copied today is more than the daily cap \(cap)" + note)
                    continue
                }
                var r = tx.relation(rel.id) ?? rel
                r.dailyMarginDay = day
                r.dailyMarginUsed = total
                tx.put(r)
            }
            let p = try await fill(account: rel.copier, existing: existing, symbol: spec.symbol, side: traderPosition.side,
                                   quantity: quantity, price: price, leverage: rel.leverage(for: spec.symbol),
                                   mode: mode, margin: margin,
                                   fee: fee, at: traderPosition.openedMs, copiedFrom: traderPosition.id,
                                   relationID: rel.id, autoMargin: rel.autoMarginAmount, tx: &tx)
            opened.append(p)
            openedFor.append(i)
            tx.event(existing == nil ? .copyOpened : .copyIncreased, account: rel.copier, symbol: spec.symbol, position: p.id,
                     amount: margin, price: price, quantity: quantity,
                     detail: "copies \(traderPosition.id) fee \(fee)\(note)")
        }
        for (i, p) in try await withLiquidationPrices(opened).enumerated() {
            let r = openedFor[i]
            // Most relations have no TP/SL: the copy goes in as it is (the relation record, a
            // large one, is read in place, not copied).
            if relations[r].takeProfitRatio == nil && relations[r].stopLossRatio == nil {
                tx.put(p)
            } else {
                tx.put(try withTriggers(p, tx, relation: relations[r]))
            }
        }
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
            return (CopySkipReason.insufficientBalance.historyName, "margin plus fee \(needed) is more than the available balance \(balances.available) (rechecked at apply time)")
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
            return (CopySkipReason.insufficientBalance.historyName, "the copy would leave the copier's cross positions liquidatable")
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
