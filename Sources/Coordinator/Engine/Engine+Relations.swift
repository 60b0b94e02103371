import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sizing

extension Engine {
    func follow(_ r: Copytrade_V1_FollowRequest, _ tx: inout EngineTransaction) async throws {
        let copier = try requireAccount(r.copierID, tx, field: "copier")
        let trader = try await followedAccount(r.traderID, tx)
        if copier.id == trader.id { throw DomainError.invalid("trader", "a copier cannot follow itself") }
        guard copier.role == .copier else { throw DomainError.invalid("copier", "\"\(copier.id)\" is not a copier account") }
        guard trader.role == .trader else { throw DomainError.invalid("trader", "\"\(trader.id)\" is not a trader account") }
        if tx.relation(copier: copier.id, trader: trader.id) != nil {
            throw DomainError(.alreadyExists, field: "trader", "\"\(copier.id)\" already follows \"\(trader.id)\"")
        }
        if case .UNRECOGNIZED = r.mode { throw DomainError.invalid("mode", "must be proportional or fixed") }
        var rel = RelationRecord(id: "", copier: copier.id, trader: trader.id, mode: .proportional(multiplier: .one),
                                 leverage: 1, establishedMs: occurred(r.atMs, tx))
        for field in followSettings(r) { try applySetting(field, from: r, to: &rel) }
        // The trader's limit and ratio: its own record here, or what its shard last told this one.
        let settings = layout.owns(trader.id) ? TraderSettings(trader: trader.id, maxCopiers: trader.maxCopiers, profitShareRatio: trader.profitShareRatio)
            : tx.remoteTrader(trader.id) ?? TraderSettings(trader: trader.id, maxCopiers: nil, profitShareRatio: .zero)
        if let limit = settings.maxCopiers {
            let following = tx.relations(ofTrader: trader.id).filter(\.isFollowing).count
            guard following < limit else {
                throw DomainError(.failedPrecondition, field: "maxCopiers",
                                  "\(trader.id) has reached its limit of \(limit) copier\(limit == 1 ? "" : "s") (maxCopiers)")
            }
        }
        if r.copyOpenPositions, !layout.owns(trader.id) {
            throw DomainError(.failedPrecondition, field: "copyOpenPositions",
                              "\(trader.id)'s open positions are on shard \(layout.shard(of: trader.id)); follow without copyOpenPositions")
        }
        rel.profitShareRatio = settings.profitShareRatio
        rel = RelationRecord(copying: rel, id: tx.newID("r"))
        tx.put(rel)
        tx.created(rel.id)
        tx.event(.relationFollowed, account: copier.id, detail: "follows \(trader.id) (\(rel.id))")
        if r.copyOpenPositions { try await copyOpenPositions(of: trader.id, for: rel, &tx) }
    }

    /// `copyOpenPositions` (docs/protections.md): each open position of the trader is copied as
    /// if the trader had just opened its whole quantity at the current mark, with every sizing
    /// rule and skip.
    func copyOpenPositions(of trader: String, for rel: RelationRecord, _ tx: inout EngineTransaction) async throws {
        let note = " (copied at follow: the trader's open position at the mark)"
        for p in tx.positions(of: trader) where p.copiedFrom == nil {
            guard let mark = tx.mark(p.symbol) else {
                tx.event(.copySkipped, account: rel.copier, symbol: p.symbol, position: p.id, reason: "no_mark",
                         detail: "no mark price for \(p.symbol) to copy the open position at" + note)
                continue
            }
            try await copyOpen(trader: trader, traderPosition: p, fill: mark.price, quantity: p.quantity, mark: mark,
                               filledMs: rel.establishedMs, only: [tx.relation(rel.id) ?? rel], note: note, tx: &tx)
        }
    }

    /// Unfollow (docs/protections.md): open copies are handled by the close policy (default
    /// follow), the relation is settled, and it is removed, or kept as ended while copies it
    /// linked stay open, so their results are still shared when they close.
    func unfollow(_ r: Copytrade_V1_RelationRequest, _ tx: inout EngineTransaction) async throws {
        let rel = try requireRelation(r, tx)
        let policy = try ClosePolicy(wire: r.closePolicy, field: "closePolicy")
        try await endCopies(of: rel, policy: policy, reason: "unfollowed", requireMarks: true, tx: &tx)
        try await settle(rel, why: "relation ended", tx: &tx)
        var ended = tx.relation(rel.id) ?? rel
        if tx.copies(ofRelation: ended).isEmpty {
            tx.remove(relation: rel.id)
        } else {
            ended.status = .ended
            ended.endedMs = occurred(r.atMs, tx)
            tx.put(ended)
        }
        tx.event(.relationUnfollowed, account: rel.copier,
                 detail: "stopped following \(rel.trader) (\(rel.id)); open copies: \(policy.rawValue)")
    }

    func setPaused(_ r: Copytrade_V1_RelationRequest, _ paused: Bool, _ tx: inout EngineTransaction) throws(DomainError) {
        var rel = try requireRelation(r, tx)
        guard rel.isFollowing else {
            throw DomainError(.failedPrecondition, field: "relation", "\(rel.id) was stopped by its stop loss; unfollow it and follow again")
        }
        guard rel.paused != paused else {
            throw DomainError(.failedPrecondition, field: "relation", "\(rel.id) is already \(paused ? "paused" : "active")")
        }
        rel.paused = paused
        tx.put(rel)
        tx.event(paused ? .relationPaused : .relationResumed, account: rel.copier, detail: "\(rel.trader) (\(rel.id))")
    }

    func requireRelation(_ r: Copytrade_V1_RelationRequest, _ tx: EngineTransaction) throws(DomainError) -> RelationRecord {
        let copier = try requireAccount(r.copierID, tx, field: "copier")
        // A trader on another shard is known here only through the relation itself.
        let trader = layout.owns(r.traderID) ? try requireAccount(r.traderID, tx, field: "trader").id : r.traderID
        guard !trader.isEmpty else { throw DomainError.invalid("trader", "is required") }
        guard let rel = tx.relation(copier: copier.id, trader: trader) else {
            throw DomainError.notFound("trader", "\"\(copier.id)\" does not follow \"\(trader)\"")
        }
        return rel
    }

    /// The account a follow names: this shard's own record, or for a trader on another shard
    /// the role its shard published when it created it (docs/sharding.md, "Follows across
    /// shards"), read before the relation exists.
    func followedAccount(_ id: String, _ tx: EngineTransaction) async throws -> AccountRecord {
        if layout.owns(id) { return try requireAccount(id, tx, field: "trader") }
        guard let directory else {
            throw DomainError(.unavailable, field: "trader", "no account directory to check \"\(id)\" on shard \(layout.shard(of: id))")
        }
        let role: AccountRole?
        do {
            role = try await directory.role(of: id)
        } catch {
            throw DomainError(.unavailable, field: "trader", "cannot check \"\(id)\" on shard \(layout.shard(of: id)): \(error); retry")
        }
        guard let role else { throw DomainError.notFound("trader", "no account \"\(id)\"") }
        return AccountRecord(id: id, role: role)
    }
}
