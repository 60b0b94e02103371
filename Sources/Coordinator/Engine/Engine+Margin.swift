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
            let maxReducible = e.atMark?.maxReducibleMargin ?? .zero
            guard delta.magnitude <= maxReducible else {
                throw DomainError(.failedPrecondition, field: "delta", "reducing \(delta.magnitude) is more than the maximum reducible \(maxReducible)")
            }
        }
        p.margin = try p.margin + delta
        p = try await withLiquidationPrice(p)
        tx.put(p)
        tx.event(delta.isPositive ? .marginAdded : .marginReduced, account: account.id, symbol: spec.symbol, position: p.id,
                 amount: delta.magnitude, price: p.liquidationPrice, detail: "margin \(before) -> \(p.margin)")
        if delta.isPositive { try await requireCrossSafe(account.id, field: "delta", tx: tx) }
        // Every adjustment of a trader's own isolated position is a signal, whether or not a
        // copy exists: copies may live on other shards, unknown here (docs/sharding.md); a
        // signal with no copy anywhere is released as nothing.
        try await holdSignal(trader: account, position: p, marginBefore: before, delta: delta, occurred: occurred(r.atMs, tx), tx: &tx)
    }

    /// Enters a trader's adjustment into the reorder window, with the rollout decision taken at
    /// the adjustment's occurrence time.
    func holdSignal(trader: AccountRecord, position: PositionRecord, marginBefore: Decimal8, delta: Decimal8,
                    occurred: Millis, tx: inout EngineTransaction) async throws {
        let eligible = try await modules.sync.isEligible(trader: AccountID(trader.id), market: trader.market, region: trader.region,
                                                         under: try rolloutPlan(tx), at: occurred)
        var s = Copytrade_V1_MarginSignal()
        s.signalID = tx.newID("s")
        s.traderID = trader.id
        s.traderPositionID = position.id
        s.traderMarginBeforeE8 = marginBefore.e8
        s.deltaE8 = delta.e8
        s.occurredMs = occurred
        s.receivedMs = tx.nowMs
        s.traderMarginMode = position.mode.wire
        s.traderEligible = eligible
        tx.hold(s)
        tx.event(.syncReceived, account: trader.id, symbol: position.symbol, position: position.id, amount: delta,
                 reason: eligible ? "" : SyncOutcome.notEligible.historyName,
                 detail: "signal \(s.signalID) occurred \(occurred) received \(tx.nowMs)")
    }

    /// Applies released signals in the window's order: each copy of the trader's position gets
    /// its decision (SPEC §5) at its current margin, balance and maximum reducible margin.
    func releaseSignals(_ r: Copytrade_V1_SyncRelease, _ tx: inout EngineTransaction) async throws {
        for id in r.signalIds {
            guard let signal = tx.base.heldSignals[id] else { continue }
            tx.release(signal: id)
            try await applySignal(signal, tx: &tx)
            tx.broadcast(.syncSignal(signal))
        }
    }

    /// Decides and applies one released signal for every copy of the trader's position. The
    /// held signal is a journal record (wire form); the module is asked in domain values.
    func applySignal(_ held: Copytrade_V1_MarginSignal, tx: inout EngineTransaction) async throws {
        let signal = try SyncWire.signal(held)
        let copies = tx.copies(of: signal.traderPosition)
        var copiers: [CopierMarginState] = []
        var targets: [PositionRecord] = []
        var targetBalances: [AccountBalances] = []
        for copy in copies {
            guard let relID = copy.relationID, let rel = tx.relation(relID), rel.isFollowing else {
                tx.event(.syncSkipped, account: copy.account, symbol: copy.symbol, position: copy.id, reason: "not_following",
                         detail: "signal \(signal.id): the copy relation has \(tx.relation(copy.relationID ?? "")?.status == .stopped ? "stopped" : "ended")")
                continue
            }
            // A cross copy has no margin of its own to adjust (SPEC §5): skipped here, before the
            // batched bound below, which the margin module answers for isolated positions only.
            guard copy.mode == .isolated else {
                tx.event(.syncSkipped, account: copy.account, symbol: copy.symbol, position: copy.id, reason: SyncOutcome.notIsolated.historyName,
                         detail: "signal \(signal.id): the copy is in cross mode")
                continue
            }
            let balances = try tx.balances(of: copy.account)
            copiers.append(CopierMarginState(copier: AccountID(copy.account), position: copy.id, positionMargin: copy.margin,
                                             availableBalance: balances.spendable, maxReducible: .zero,
                                             relationEstablishedAt: rel.establishedMs, marginMode: copy.mode))
            targets.append(copy)
            targetBalances.append(balances)
        }
        guard !targets.isEmpty else { return }
        // Each copier's balances as read above still hold at its recheck below when no other
        // target shares its account (one relation per copier and trader makes that the rule):
        // only its own change comes between. Otherwise they are read again.
        let balancesHold = Set(targets.lazy.map(\.account)).count == targets.count
        var bounds: [Decimal8] = []
        if signal.delta.isNegative {
            // Only reductions need the maximum reducible margin: one batched evaluation.
            bounds = try await maxReducible(targets, tx: tx)
            for i in copiers.indices { copiers[i].maxReducible = bounds[i] }
        }
        let answers = try await decide(signal, for: copiers)
        guard answers.count == targets.count else {
            throw ModuleFault.error("sync", "\(answers.count) of \(targets.count) decisions")
        }
        var changed: [PositionRecord] = []
        for (i, (copy, d)) in zip(targets, answers).enumerated() {
            let outcome = d.outcome?.historyName ?? unknownOutcomeName
            let delta = d.delta
            guard (d.outcome == .applied || d.outcome == .capped), !delta.isZero else {
                tx.event(.syncSkipped, account: copy.account, symbol: copy.symbol, position: copy.id, amount: delta,
                         reason: outcome, detail: "signal \(signal.id): \(d.explanation)")
                continue
            }
            try checkSyncDelta(delta, signal: signal, copy: copy, maxReducible: bounds.isEmpty ? nil : bounds[i])
            // The sync module decided against this copier's balance at this moment; check again
            // here so a faulty module can never spend money the copier lacks.
            let balances = balancesHold ? targetBalances[i] : try tx.balances(of: copy.account)
            if delta.isPositive, delta > balances.available {
                tx.event(.syncSkipped, account: copy.account, symbol: copy.symbol, position: copy.id, amount: delta,
                         reason: SyncOutcome.insufficientBalance.historyName, detail: "signal \(signal.id): rechecked at apply time")
                continue
            }
            // Nor may an addition leave the copier's cross positions liquidatable (SPEC §7).
            if delta.isPositive, balances.crossPositions > 0, try await !crossSafe(copy.account, taking: delta, tx: tx) {
                tx.event(.syncSkipped, account: copy.account, symbol: copy.symbol, position: copy.id, amount: delta,
                         reason: SyncOutcome.insufficientBalance.historyName, detail: "signal \(signal.id): would leave the cross account liquidatable")
                continue
            }
            var p = copy
            let before = p.margin
            p.margin = try p.margin + delta
            // With one copy per copier nothing below reads this copy before its new liquidation
            // price is known, so it is put once, then; otherwise at once, for the rechecks.
            if !balancesHold { tx.put(p) }
            changed.append(p)
            tx.event(d.outcome == .capped ? .syncCapped : .syncApplied, account: copy.account, symbol: copy.symbol,
                     position: copy.id, amount: delta, detail: "signal \(signal.id): margin \(before) -> \(p.margin)")
        }
        for p in try await withLiquidationPrices(changed) { tx.put(p) }
    }

    /// A sync decision must go the signal's way and never beyond its ratio (`|delta| <=
    /// |r| * M`, compared exactly) nor, for a reduction, beyond the maximum reducible margin.
    func checkSyncDelta(_ delta: Decimal8, signal: MarginSyncSignal, copy: PositionRecord,
                        maxReducible: Decimal8?) throws(DomainError) {
        let signalDelta = signal.delta, before = signal.traderMarginBefore
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
        let evaluations = try await evaluations(of: ps) { p in tx.mark(p.symbol).map { .at($0.price) } }
        return evaluations.map { $0.map { $0.atMark?.maxReducibleMargin ?? .zero } ?? .zero }
    }
}
