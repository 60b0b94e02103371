import CopyTradeCore
import CopyTradeProto

/// Profit sharing (docs/protections.md, SPEC §9): settlements with a high-water mark, paid from
/// the copier's wallet to the trader's, on demand, on the coordinator's schedule, and when a
/// relation ends. Across shards the trader's side is a message to the trader's shard.
extension Engine {
    /// One settlement input: every relation here, or one trader's. A scheduled one settles its
    /// schedule time once; a time at or before the last one run is refused (already settled).
    func settle(_ r: Copytrade_V1_SettleRequest, _ tx: inout EngineTransaction) async throws {
        if r.scheduled {
            guard r.dueMs > tx.base.settledScheduleMs else {
                throw DomainError(.failedPrecondition, field: "dueMs",
                                  "the scheduled settlement of \(r.dueMs) ms is not after the last one run (\(tx.base.settledScheduleMs) ms)")
            }
            tx.settled(schedule: r.dueMs)
        } else if r.dueMs != 0 {
            throw DomainError.invalid("dueMs", "is set only by the coordinator's own schedule")
        }
        var relations = tx.allRelations()
        if !r.traderID.isEmpty {
            // A trader on another shard is known here through its relations only.
            if layout.owns(r.traderID) {
                let trader = try requireAccount(r.traderID, tx, field: "trader")
                try requireTrader(trader, to: "be settled with")
            }
            relations = relations.filter { $0.trader == r.traderID }
        }
        var paid = Decimal8.zero, count = 0
        for rel in relations {
            let s = try await settle(rel, why: r.scheduled ? "scheduled settlement" : "settlement", tx: &tx)
            paid = try paid + s
            count += 1
        }
        let scope = r.traderID.isEmpty ? "every trader" : r.traderID
        // The operator's event, on no account: in a cluster each shard records its own.
        tx.event(.settlementRun, amount: paid, reason: r.scheduled ? "scheduled" : "requested",
                 detail: "\(count) relation\(count == 1 ? "" : "s") of \(scope) settled, \(paid) paid")
    }

    /// Settles one relation: pays what is due, as far as the copier's available balance goes,
    /// and returns the amount paid. Nothing due: no events.
    @discardableResult
    func settle(_ start: RelationRecord, why: String, tx: inout EngineTransaction) async throws -> Decimal8 {
        var rel = tx.relation(start.id) ?? start
        guard rel.profitShareRatio.isPositive else { return .zero }
        let net = try rel.netProfit
        // What a payment may take: the spendable balance, never leaving cross positions
        // liquidatable (SPEC §7), as for auto margin.
        let budget = try await autoMarginBudget(rel.copier, tx: tx)
        let s = try ProfitShareSettlement.settle(net: net, ratio: rel.profitShareRatio, shared: rel.shared, available: budget)
        guard s.due.isPositive else { return .zero }
        let figures = "N \(net) r \(rel.profitShareRatio) shared \(rel.shared) due \(s.due)"
        if s.paid.isPositive {
            guard var copier = tx.account(rel.copier) else { throw DomainError.notFound("copier", "no account \"\(rel.copier)\"") }
            copier.wallet = try copier.wallet - s.paid
            copier.profitSharePaid = try copier.profitSharePaid + s.paid
            tx.put(copier)
            tx.event(.profitSharePaid, account: rel.copier, amount: s.paid, reason: why,
                     detail: "to \(rel.trader) (\(rel.id)): \(figures)")
            var credit = Copytrade_V1_ProfitShareCredit()
            credit.traderID = rel.trader
            credit.copierID = rel.copier
            credit.relationID = rel.id
            credit.amountE8 = s.paid.e8
            if layout.owns(rel.trader) {
                try creditProfitShare(credit, tx: &tx)
            } else {
                tx.send(.profitShare(credit), to: [layout.shard(of: rel.trader)])
            }
        }
        if s.isShort {
            tx.event(.profitShareShort, account: rel.copier, amount: try s.due - s.paid, reason: why,
                     detail: "to \(rel.trader) (\(rel.id)): \(s.paid) of \(s.due) paid, the available balance is short; the rest stays due")
        }
        rel.shared = s.shared
        tx.put(rel)
        return s.paid
    }

    /// The trader's side of a payment: on the trader's shard, from the copier's shard's message
    /// (or directly in one process).
    func creditProfitShare(_ c: Copytrade_V1_ProfitShareCredit, tx: inout EngineTransaction) throws(DomainError) {
        let amount = try positive(c.amountE8, "amount")
        guard var trader = tx.account(c.traderID) else { throw DomainError.notFound("trader", "no account \"\(c.traderID)\"") }
        trader.wallet = try trader.wallet + amount
        trader.profitShareReceived = try trader.profitShareReceived + amount
        tx.put(trader)
        tx.event(.profitShareReceived, account: trader.id, amount: amount, detail: "from \(c.copierID) (\(c.relationID))")
    }
}
