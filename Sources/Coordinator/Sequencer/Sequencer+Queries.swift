import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

extension Sequencer {
    /// Read-only views for the control API. They read the state as applied, which may include
    /// inputs whose journal commit is still in flight (their callers are not yet answered).
    public var snapshotOfState: EngineState { state }
    public var lastSequence: UInt64 { nextSequence - 1 }
    public var started: Millis { startedMs }

    /// Events from the journal, oldest first: of one account (or all), after an event sequence.
    ///
    /// Starts at the journal entry holding event `afterEvent + 1` (the `first_event` index,
    /// docs/journal.md "History index"), not at the journal's start, and reads pages of
    /// ``historyPageEntries`` entries. Nonisolated: it reads only the journal, which holds only
    /// committed inputs, so decoding pages never holds up the sequencer's writers.
    public nonisolated func history(account: String, afterEvent: UInt64, limit: Int, kindPrefix: String) async throws -> [Copytrade_V1_Event] {
        var out: [Copytrade_V1_Event] = []
        guard limit > 0 else { return out }
        var after: UInt64 = 0
        if afterEvent < UInt64.max, let holding = try await store.entrySequence(holdingEvent: afterEvent + 1) {
            after = holding - 1
        }
        while out.count < limit {
            let page = try await store.entries(after: after, limit: Self.historyPageEntries)
            for entry in page {
                let outcome = try Copytrade_V1_Outcome(serializedBytes: entry.outcome)
                for e in outcome.events where e.sequence > afterEvent
                    && (account.isEmpty || e.accountID == account) && (kindPrefix.isEmpty || e.kind.hasPrefix(kindPrefix)) {
                    out.append(e)
                    if out.count >= limit { return out }
                }
                after = entry.sequence
            }
            if page.count < Self.historyPageEntries { break }
        }
        return out
    }

    /// Journal entries per history read: small enough that one page decodes in a few
    /// milliseconds, large enough that a full `history` needs few round trips.
    public static let historyPageEntries = 500

    /// A position with its figures at the current mark, for views. A cross position has no
    /// liquidation price of its own: it shows its own unrealized PnL and maintenance
    /// requirement, and the risk rate of the account's cross positions together (`crossRisk`).
    public func view(_ p: PositionRecord, crossRisk: Copytrade_V1_AccountEvaluation? = nil) async -> Copytrade_V1_Position {
        var w = RecordWire.wire(p)
        let mark = state.marks[p.symbol]?.price
        if let mark { w.markPriceE8 = mark.e8 }
        // The requirement line and PnL do not depend on the margin, so a cross position is
        // evaluated as if isolated with its initial margin; its liquidation price is not shown.
        var evaluated = p
        evaluated.mode = .isolated
        // A module that cannot answer (an unreachable plugin) is said so, never shown as a
        // liquidation price of 0 and a risk of 0%: the view keeps the stored liquidation price
        // (RecordWire, kept up to date by the engine) and flags the figures at the mark
        // unavailable (issue 10; docs/decisions.md, "Coordinator").
        guard let request = try? engine.evaluateRequest(evaluated, mark: mark),
              let e = try? await engine.modules.margin.evaluate(request) else {
            w.figuresUnavailable = true
            return w
        }
        if p.mode == .cross, crossRisk == nil, e.hasMark_p { w.figuresUnavailable = true }
        if p.mode == .isolated {
            w.hasLiquidationPrice_p = e.hasLiquidationPrice_p
            w.liquidationPriceE8 = e.liquidationPriceE8
            w.liquidationPriceRoundedE8 = e.liquidationPriceRoundedE8
        }
        if e.hasMark_p {
            // An infinite risk is flagged; the rate field then holds the largest value, so a
            // client that ignores the flag never reads a reassuring figure.
            if p.mode == .isolated {
                w.riskInfinite = e.riskInfinite
                w.riskRateE8 = e.riskInfinite ? Int64.max : e.riskRateE8
            } else if let crossRisk {
                w.riskInfinite = crossRisk.riskInfinite
                w.riskRateE8 = crossRisk.riskInfinite ? Int64.max : crossRisk.riskRateE8
            }
            w.maintenanceRequirementE8 = e.maintenanceRequirementE8
            w.unrealizedPnlE8 = e.unrealizedPnlE8
        }
        return w
    }

    /// The cross evaluation of an account's positions at the current marks (nil without any).
    func crossRisk(of account: String) async -> Copytrade_V1_AccountEvaluation? {
        let tx = EngineTransaction(base: state, inputKey: "", nowMs: clock.nowMs())
        return try? await engine.crossEvaluation(of: account, tx: tx)
    }

    /// An account with its positions, orders and balances.
    public func accountView(_ id: String) async throws -> Copytrade_V1_AccountView {
        let tx = EngineTransaction(base: state, inputKey: "", nowMs: clock.nowMs())
        guard let a = state.accounts[id] else { throw DomainError.notFound("account", "no account \"\(id)\"") }
        let b = try tx.balances(of: id)
        var v = Copytrade_V1_AccountView()
        var w = RecordWire.wire(a)
        w.availableE8 = b.available.e8
        v.account = w
        let cross = await crossRisk(of: id)
        for p in tx.positions(of: id) { v.positions.append(await view(p, crossRisk: cross)) }
        v.orders = tx.orders(of: id).map(RecordWire.wire)
        v.isolatedMarginE8 = b.isolatedMargin.e8
        v.orderMarginE8 = b.orderMargin.e8
        v.crossRequirementE8 = b.crossRequirement.e8
        var equity = b.wallet
        for p in v.positions { equity = (try? equity + Decimal8(e8: p.unrealizedPnlE8)) ?? equity }
        v.equityE8 = equity.e8
        return v
    }

    public func accounts() -> [Copytrade_V1_Account] {
        let tx = EngineTransaction(base: state, inputKey: "", nowMs: clock.nowMs())
        return state.accounts.keys.sorted().compactMap { id in
            guard let a = state.accounts[id] else { return nil }
            var w = RecordWire.wire(a)
            w.availableE8 = (try? tx.available(id))?.e8 ?? 0
            return w
        }
    }

    public func positions(account: String, symbol: String) async -> [Copytrade_V1_Position] {
        let ids = account.isEmpty ? Array(state.positions.keys) : Array(state.positionsByAccount[account] ?? [])
        var out: [Copytrade_V1_Position] = []
        var crossRisks: [String: Copytrade_V1_AccountEvaluation?] = [:]
        for id in ids.sorted(by: IDOrder.less) {
            guard let p = state.positions[id], symbol.isEmpty || p.symbol == symbol else { continue }
            var risk: Copytrade_V1_AccountEvaluation? = nil
            if p.mode == .cross {
                if let known = crossRisks[p.account] { risk = known } else {
                    risk = await crossRisk(of: p.account)
                    crossRisks[p.account] = risk
                }
            }
            out.append(await view(p, crossRisk: risk))
        }
        return out
    }

    public func orders(account: String) -> [Copytrade_V1_Order] {
        let ids = account.isEmpty ? Array(state.orders.keys) : Array(state.ordersByAccount[account] ?? [])
        return ids.sorted(by: IDOrder.less).compactMap { state.orders[$0].map(RecordWire.wire) }
    }

    /// Relations with, in views, their net result at the current marks and the profit share
    /// due now (docs/protections.md).
    public func relations(account: String) -> [Copytrade_V1_CopyRelation] {
        let tx = EngineTransaction(base: state, inputKey: "", nowMs: clock.nowMs())
        return state.relations.values
            .filter { account.isEmpty || $0.copier == account || $0.trader == account }
            .sorted { IDOrder.less($0.id, $1.id) }
            .map { r in
                var w = RecordWire.wire(r)
                w.netResultE8 = ((try? engine.netResult(r, tx)) ?? .zero).e8
                if let net = try? r.netProfit,
                   let s = try? ProfitShareSettlement.settle(net: net, ratio: r.profitShareRatio, shared: r.shared, available: .max) {
                    w.dueE8 = s.due.e8
                }
                return w
            }
    }
}
