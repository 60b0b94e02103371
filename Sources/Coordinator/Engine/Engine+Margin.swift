import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sync

extension Engine {
    /// Adds margin to or removes it from the account's own isolated position. Adding needs the
    /// available balance; reducing is bounded by the maximum reducible margin at the mark. When
    /// the position has copies, the adjustment becomes a margin-sync signal, held in the
    /// trader's reorder window (SPEC §5).
    func adjustMargin(_ r: Copytrade_V1_AdjustMarginRequest, _ tx: inout EngineTransaction) async throws {
        let account = try requireAccount(r.accountID, tx)
        let spec = try spec(r.symbol)
        guard var p = tx.ownPosition(account: account.id, symbol: spec.symbol) else {
            throw DomainError.notFound("symbol", "\(account.id) has no open \(spec.symbol) position")
        }
        guard p.mode == .isolated else { throw DomainError(.failedPrecondition, field: "symbol", "margin can be adjusted only on isolated positions") }
        let delta = Decimal8(e8: r.deltaE8)
        guard !delta.isZero else { throw DomainError.invalid("delta", "must not be zero") }
        let before = p.margin
        if delta.isPositive {
            let available = try tx.available(account.id)
            guard delta <= available else {
                throw DomainError(.failedPrecondition, field: "delta", "\(delta) is more than the available balance \(available)")
            }
        } else {
            guard let mark = tx.mark(spec.symbol) else {
                throw DomainError(.failedPrecondition, field: "delta", "no mark price for \(spec.symbol) to bound the reduction")
            }
            let e = try await evaluate(p, mark: mark.price)
            let maxReducible = Decimal8(e8: e.maxReducibleE8)
            guard delta.magnitude <= maxReducible else {
                throw DomainError(.failedPrecondition, field: "delta", "reducing \(delta.magnitude) is more than the maximum reducible \(maxReducible)")
            }
        }
        p.margin = try p.margin + delta
        p = try await withLiquidationPrice(p)
        tx.put(p)
        tx.event(delta.isPositive ? "margin.added" : "margin.reduced", account: account.id, symbol: spec.symbol, position: p.id,
                 amount: delta.magnitude, price: p.liquidationPrice, detail: "margin \(before) -> \(p.margin)")
        if delta.isPositive { try await requireCrossSafe(account.id, field: "delta", tx: tx) }
        guard tx.hasCopies(p.id) else { return }
        try await holdSignal(trader: account, position: p, marginBefore: before, delta: delta, occurred: occurred(r.atMs, tx), tx: &tx)
    }

    /// Enters a trader's adjustment into the reorder window, with the rollout decision taken at
    /// the adjustment's occurrence time.
    func holdSignal(trader: AccountRecord, position: PositionRecord, marginBefore: Decimal8, delta: Decimal8,
                    occurred: Millis, tx: inout EngineTransaction) async throws {
        var check = Copytrade_V1_EligibilityRequest()
        check.phases = rolloutPhases(tx)
        check.traderID = trader.id
        check.traderMarket = trader.market
        check.traderRegion = trader.region
        check.atMs = occurred
        let eligibility = try await modules.sync.checkEligibility(check)
        var s = Copytrade_V1_MarginSignal()
        s.signalID = tx.newID("s")
        s.traderID = trader.id
        s.traderPositionID = position.id
        s.traderMarginBeforeE8 = marginBefore.e8
        s.deltaE8 = delta.e8
        s.occurredMs = occurred
        s.receivedMs = tx.nowMs
        s.traderMarginMode = position.mode.wire
        s.traderEligible = eligibility.eligible
        tx.hold(s)
        tx.event("sync.received", account: trader.id, symbol: position.symbol, position: position.id, amount: delta,
                 reason: eligibility.eligible ? "" : "not_eligible",
                 detail: "signal \(s.signalID) occurred \(occurred) received \(tx.nowMs)")
    }

    /// Applies released signals in the window's order: each copy of the trader's position gets
    /// its decision (SPEC §5) at its current margin, balance and maximum reducible margin.
    func releaseSignals(_ r: Copytrade_V1_SyncRelease, _ tx: inout EngineTransaction) async throws {
        for id in r.signalIds {
            guard let signal = tx.base.heldSignals[id] else { continue }
            tx.release(signal: id)
            try await applySignal(signal, tx: &tx)
        }
    }

    func applySignal(_ signal: Copytrade_V1_MarginSignal, tx: inout EngineTransaction) async throws {
        let copies = tx.copies(of: signal.traderPositionID)
        var batch = Copytrade_V1_SyncBatchRequest()
        batch.signal = signal
        batch.maxDelayMs = config.maxSignalDelayMs
        var targets: [PositionRecord] = []
        for copy in copies {
            guard let relID = copy.relationID, let rel = tx.relation(relID) else {
                tx.event("sync.skipped", account: copy.account, symbol: copy.symbol, position: copy.id, reason: "not_following",
                         detail: "signal \(signal.signalID): the copy relation has ended")
                continue
            }
            // A cross copy has no margin of its own to adjust (SPEC §5): skipped here, before the
            // batched bound below, which the margin module answers for isolated positions only.
            guard copy.mode == .isolated else {
                tx.event("sync.skipped", account: copy.account, symbol: copy.symbol, position: copy.id, reason: Copytrade_V1_SyncOutcome.notIsolated.name,
                         detail: "signal \(signal.signalID): the copy is in cross mode")
                continue
            }
            var c = Copytrade_V1_CopierMargin()
            c.copierID = copy.account
            c.positionID = copy.id
            c.marginE8 = copy.margin.e8
            c.availableE8 = try tx.balances(of: copy.account).spendable.e8
            c.establishedMs = rel.establishedMs
            c.marginMode = copy.mode.wire
            batch.copiers.append(c)
            targets.append(copy)
        }
        guard !targets.isEmpty else { return }
        var bounds: [Decimal8] = []
        if signal.deltaE8 < 0 {
            // Only reductions need the maximum reducible margin: one batched evaluation.
            bounds = try await maxReducible(targets, tx: tx)
            for i in batch.copiers.indices { batch.copiers[i].maxReducibleE8 = bounds[i].e8 }
        }
        let answer = try await decideBatch(batch)
        guard answer.decisions.count == targets.count else {
            throw ModuleFault.error("sync", "\(answer.decisions.count) of \(targets.count) decisions")
        }
        var changed: [PositionRecord] = []
        for (i, (copy, d)) in zip(targets, answer.decisions).enumerated() {
            let outcome = d.outcome.name
            let delta = Decimal8(e8: d.copierDeltaE8)
            guard (d.outcome == .applied || d.outcome == .capped), !delta.isZero else {
                tx.event("sync.skipped", account: copy.account, symbol: copy.symbol, position: copy.id, amount: delta,
                         reason: outcome, detail: "signal \(signal.signalID): \(d.reason)")
                continue
            }
            try checkSyncDelta(delta, signal: signal, copy: copy, maxReducible: bounds.isEmpty ? nil : bounds[i])
            // The sync module decided against this copier's balance at this moment; check again
            // here so a faulty module can never spend money the copier lacks.
            if delta.isPositive, delta > (try tx.available(copy.account)) {
                tx.event("sync.skipped", account: copy.account, symbol: copy.symbol, position: copy.id, amount: delta,
                         reason: "insufficient_balance", detail: "signal \(signal.signalID): rechecked at apply time")
                continue
            }
            // Nor may an addition leave the copier's cross positions liquidatable (SPEC §7).
            if delta.isPositive, try await !crossSafe(copy.account, taking: delta, tx: tx) {
                tx.event("sync.skipped", account: copy.account, symbol: copy.symbol, position: copy.id, amount: delta,
                         reason: "insufficient_balance", detail: "signal \(signal.signalID): would leave the cross account liquidatable")
                continue
            }
            var p = copy
            let before = p.margin
            p.margin = try p.margin + delta
            tx.put(p)
            changed.append(p)
            tx.event(d.outcome == .capped ? "sync.capped" : "sync.applied", account: copy.account, symbol: copy.symbol,
                     position: copy.id, amount: delta, detail: "signal \(signal.signalID): margin \(before) -> \(p.margin)")
        }
        for p in try await withLiquidationPrices(changed) { tx.put(p) }
    }

    /// A sync decision must go the signal's way and never beyond its ratio (`|delta| <=
    /// |r| * M`, compared exactly) nor, for a reduction, beyond the maximum reducible margin.
    func checkSyncDelta(_ delta: Decimal8, signal: Copytrade_V1_MarginSignal, copy: PositionRecord,
                        maxReducible: Decimal8?) throws(DomainError) {
        let signalDelta = Decimal8(e8: signal.deltaE8), before = Decimal8(e8: signal.traderMarginBeforeE8)
        guard delta.isPositive == signalDelta.isPositive, before.isPositive else {
            throw ModuleFault.error("sync", "a change of \(delta) to \(copy.id) against a signal of \(signalDelta)")
        }
        // |delta| * before <= |signalDelta| * M
        let lhs = try delta.magnitude.exact * before.exact
        let rhs = try signalDelta.magnitude.exact * copy.margin.exact
        guard try ExactDecimal.compare(lhs, rhs) <= 0 else {
            throw ModuleFault.error("sync", "a change of \(delta) to \(copy.id), more than the signal's ratio of its margin \(copy.margin)")
        }
        if let maxReducible, delta.isNegative, delta.magnitude > maxReducible {
            throw ModuleFault.error("sync", "a reduction of \(delta.magnitude) to \(copy.id) beyond its maximum reducible \(maxReducible)")
        }
    }

    /// The maximum reducible margin of each position at the current mark, in one module call
    /// (zero without a mark: without a price no reduction is safe).
    func maxReducible(_ ps: [PositionRecord], tx: EngineTransaction) async throws -> [Decimal8] {
        let evaluations = try await evaluations(of: ps) { p in try tx.mark(p.symbol).map { try evaluateRequest(p, mark: $0.price) } }
        return evaluations.map { $0.map { Decimal8(e8: $0.maxReducibleE8) } ?? .zero }
    }
}
