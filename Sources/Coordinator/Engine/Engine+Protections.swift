import CopyTradeCore
import CopyTradeProto

/// Copier protections (docs/protections.md): take profit and stop loss per copy, and the
/// relation stop loss with its close policy.
extension Engine {
    /// The copy with its trigger prices recomputed from its relation's ratios (none for an own
    /// position, a detached copy, or a relation without ratios). Every change of a copy's
    /// entry or quantity goes through here, and so does a change of the ratios.
    /// `relation`: the copy's relation when the caller has it at hand (a fan-out), saving a look-up.
    func withTriggers(_ p: PositionRecord, _ tx: EngineTransaction, relation: RelationRecord? = nil) throws(DomainError) -> PositionRecord {
        var q = p
        guard let relID = p.relationID, let rel = relation ?? tx.relation(relID), rel.takeProfitRatio != nil || rel.stopLossRatio != nil else {
            q.triggers = CopyTriggers()
            return q
        }
        q.triggers = try CopyTriggers.of(side: p.side, entry: p.entry, leverage: p.leverage, takeProfitRatio: rel.takeProfitRatio,
                                         stopLossRatio: rel.stopLossRatio, tick: try spec(p.symbol).tickSize)
        return q
    }

    /// Closes the copies whose take profit or stop loss `mark` reaches, whole, at the mark
    /// (before liquidations on the same tick). Returns the ids it took from the index, which the
    /// caller refiles if the input fails.
    func runTriggers(_ symbol: String, mark: Decimal8, _ tx: inout EngineTransaction, state: EngineState) async throws -> [String] {
        let triggered = state.takeTriggered(symbol: symbol, mark: mark).sorted(by: IDOrder.less)
        for id in triggered {
            guard let p = tx.position(id) else { continue }
            try await fireTrigger(p, mark: mark, &tx)
        }
        return triggered
    }

    /// Closes `p` whole at `mark` when the mark reaches its stop loss (first: a gap past both is
    /// a loss) or its take profit; nothing otherwise.
    func fireTrigger(_ p: PositionRecord, mark: Decimal8, _ tx: inout EngineTransaction) async throws {
        let kind: EventKind
        if p.triggers.stopsLoss(side: p.side, at: mark) { kind = .copyStopLoss }
        else if p.triggers.takesProfit(side: p.side, at: mark) { kind = .copyTakeProfit }
        else { return }
        try await closePart(p, quantity: p.quantity, price: mark, kind: .copy, tx: &tx,
                            as: kind, reason: kind == .copyStopLoss ? "stop_loss" : "take_profit")
        if p.mode == .cross { try await settleCross(account: p.account, tx: &tx) }
    }

    /// Copies whose triggers this input set where the current mark already reaches them (a
    /// fill away from the mark, an entry averaged by an increase, ratios changed by `relation
    /// set`) close at the mark now, as the next tick would: an open copy never sits past its
    /// trigger, so the prices shown are prices at which the rule holds.
    func fireReachedTriggers(_ tx: inout EngineTransaction) async throws {
        guard tx.putTriggers else { return }
        var reached: [PositionRecord] = []
        for p in tx.changes.positions.values where p.triggers.isSet {
            guard let mark = tx.mark(p.symbol)?.price,
                  p.triggers.stopsLoss(side: p.side, at: mark) || p.triggers.takesProfit(side: p.side, at: mark) else { continue }
            reached.append(p)
        }
        for p in reached.sorted(by: { IDOrder.less($0.id, $1.id) }) {
            guard let now = tx.position(p.id), let mark = tx.mark(p.symbol)?.price else { continue }
            try await fireTrigger(now, mark: mark, &tx)
        }
    }

    /// A relation's net result (docs/protections.md): realized PnL of its closed copy quantity
    /// minus all fees of its copies, plus the unrealized PnL of its open copies at the current
    /// marks (rounded down to 1e-8 each, as a close would book it). A copy without a mark counts
    /// at its entry.
    func netResult(_ rel: RelationRecord, _ tx: EngineTransaction) throws(DomainError) -> Decimal8 {
        var net = try rel.realizedPnl - rel.fees
        for p in tx.copies(ofRelation: rel) {
            net = try net - p.openFees
            guard let mark = tx.mark(p.symbol)?.price else { continue }
            net = try net + p.pnl(p.quantity, at: mark).rounded(.down)
        }
        return net
    }

    /// Stops every following relation among `ids` whose net result has fallen to minus its stop
    /// amount, in id order.
    func checkRelationStops(_ ids: [String], _ tx: inout EngineTransaction) async throws {
        for id in ids.sorted(by: IDOrder.less) {
            guard let rel = tx.relation(id), rel.isFollowing, let amount = rel.stopLossAmount else { continue }
            let net = try netResult(rel, tx)
            guard net <= (try -amount) else { continue }
            var stopped = rel
            stopped.status = .stopped
            tx.put(stopped)
            tx.event(.relationStopped, account: rel.copier, amount: net, reason: "stop_loss_amount",
                     detail: "\(rel.trader) (\(rel.id)): net result \(net) reached the stop loss of \(amount); close policy \(rel.closePolicy.rawValue)")
            try await endCopies(of: stopped, policy: rel.closePolicy, reason: "relation_stopped", requireMarks: false, tx: &tx)
            if let r = tx.relation(id) { try await settle(r, why: "relation stopped", tx: &tx) }
        }
    }

    /// The relations a mark on `symbol` may stop: following ones with a stop amount and an open
    /// copy on the symbol.
    func stopCandidates(_ symbol: String, _ tx: EngineTransaction, state: EngineState) -> [String] {
        guard !state.stopLossRelations.isEmpty else { return [] }
        return state.stopLossRelations.filter { id in
            guard let rel = tx.relation(id) else { return false }
            return tx.copies(ofRelation: rel).contains { $0.symbol == symbol }
        }
    }

    /// Applies a close policy to a relation's open copies: `follow` leaves them linked,
    /// `market` closes each at its mark, `detach` unlinks them (they become the copier's own).
    /// `requireMarks`: refuse when a copy to close has no mark (an unfollow); otherwise such a
    /// copy stays linked and the history says why.
    func endCopies(of rel: RelationRecord, policy: ClosePolicy, reason: String, requireMarks: Bool,
                   tx: inout EngineTransaction) async throws {
        switch policy {
        case .follow:
            return
        case .market:
            for p in tx.copies(ofRelation: rel) {
                guard let mark = tx.mark(p.symbol)?.price else {
                    if requireMarks {
                        throw DomainError(.failedPrecondition, field: "closePolicy", "no mark price for \(p.symbol) to close \(p.id) at")
                    }
                    tx.event(.copyCloseSkipped, account: p.account, symbol: p.symbol, position: p.id, reason: "no_mark",
                             detail: "no mark price for \(p.symbol); the copy stays linked to \(rel.trader)")
                    continue
                }
                try await closePart(p, quantity: p.quantity, price: mark, kind: .copy, tx: &tx, reason: reason)
                if p.mode == .cross { try await settleCross(account: p.account, tx: &tx) }
            }
        case .detach:
            for p in tx.copies(ofRelation: rel) {
                // Its opening fees were paid while it was the relation's: they count in its result.
                var r = tx.relation(rel.id) ?? rel
                r.fees = try r.fees + p.openFees
                tx.put(r)
                var own = p
                own.copiedFrom = nil
                own.relationID = nil
                own.openFees = .zero
                own.triggers = CopyTriggers()
                tx.put(own)
                tx.event(.copyDetached, account: p.account, symbol: p.symbol, position: p.id, quantity: p.quantity, reason: reason,
                         detail: "no longer copies \(rel.trader) (\(rel.id)); the copier's own position")
            }
        }
    }

    /// Books a closed share of a copy into its relation's result: the gross PnL, the closing
    /// fee and the share of opening fees the closed quantity carried.
    func bookRelationResult(_ p: PositionRecord, gross: Decimal8, closingFee: Decimal8, openFeeShare: Decimal8,
                            tx: inout EngineTransaction) throws(DomainError) {
        guard let relID = p.relationID, var rel = tx.relation(relID) else { return }
        rel.realizedPnl = try rel.realizedPnl + gross
        rel.fees = try rel.fees + closingFee + openFeeShare
        tx.put(rel)
    }

    /// After an input: copies it gave triggers the mark already reaches close, relations whose
    /// copies it changed may have reached their stop loss, and
    /// a stopped or ended relation whose last copy it closed is settled (an ended one then
    /// removed).
    func relationAftermath(_ tx: inout EngineTransaction) async throws {
        try await fireReachedTriggers(&tx)
        var touched = Set<String>()
        var lastCopyClosed = Set<String>()
        for id in tx.changes.closedPositions {
            if let r = tx.base.positions[id]?.relationID { lastCopyClosed.insert(r) }
        }
        if !tx.base.stopLossRelations.isEmpty || tx.changes.relations.values.contains(where: { $0.stopLossAmount != nil }) {
            for p in tx.changes.positions.values { if let r = p.relationID { touched.insert(r) } }
            touched.formUnion(lastCopyClosed)
            for (id, r) in tx.changes.relations where r.stopLossAmount != nil { touched.insert(id) }
            try await checkRelationStops(Array(touched), &tx)
        }
        for id in lastCopyClosed.sorted(by: IDOrder.less) {
            guard let rel = tx.relation(id), !rel.isFollowing, tx.copies(ofRelation: rel).isEmpty else { continue }
            try await settle(rel, why: "its last copy closed", tx: &tx)
            if rel.status == .ended {
                tx.remove(relation: rel.id)
                tx.event(.relationEnded, account: rel.copier, detail: "\(rel.trader) (\(rel.id)): its last copy closed")
            }
        }
    }
}
