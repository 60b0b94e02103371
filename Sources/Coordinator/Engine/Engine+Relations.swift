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
        let mode: RelationRecord.Mode
        switch r.mode {
        case .proportional, .unspecified:
            let m = Decimal8(e8: r.multiplierE8)
            guard MultiplierBounds.standard.contains(m) else {
                throw DomainError.invalid("multiplier", "must be between \(MultiplierBounds.standard.minimum) and \(MultiplierBounds.standard.maximum), got \(m)")
            }
            mode = .proportional(multiplier: m)
        case .fixed:
            mode = .fixed(margin: try positive(r.fixedMarginE8, "fixedMargin"))
        case .UNRECOGNIZED:
            throw DomainError.invalid("mode", "must be proportional or fixed")
        }
        // A leverage no symbol allows could never be copied; one above a symbol's own maximum
        // would have every copy on it skipped, so both are refused here, where the user sets them.
        let highest = market.specs.values.map(\.maxLeverage).max() ?? 1
        guard (1...highest).contains(Int(r.leverage)) else {
            throw DomainError.invalid("leverage", "must be between 1 and \(highest), the highest any symbol allows")
        }
        for (symbol, lev) in r.symbolLeverage {
            let s = try spec(symbol)
            guard (1...s.maxLeverage).contains(Int(lev)) else {
                throw DomainError.invalid("symbolLeverage.\(symbol)", "must be between 1 and \(s.maxLeverage) for \(s.symbol)")
            }
        }
        let marginMode = try MarginMode(wire: r.marginMode, field: "marginMode")
        var symbolMarginMode: [String: MarginMode] = [:]
        for (symbol, wire) in r.symbolMarginMode {
            _ = try spec(symbol)
            symbolMarginMode[symbol] = try MarginMode(wire: wire, field: "symbolMarginMode.\(symbol)")
        }
        if r.hasSlippage_p, r.slippageE8 < 0 || r.slippageE8 >= Decimal8.unitsPerOne {
            throw DomainError.invalid("slippage", "must be in [0, 1)")
        }
        if r.maxMarginPerOrderE8 < 0 { throw DomainError.invalid("maxMarginPerOrder", "must not be negative") }
        if r.maxTotalMarginE8 < 0 { throw DomainError.invalid("maxTotalMargin", "must not be negative") }
        if r.autoMarginAmountE8 < 0 { throw DomainError.invalid("autoMarginAmount", "must not be negative") }
        var rel = RelationRecord(id: tx.newID("r"), copier: copier.id, trader: trader.id, mode: mode,
                                 leverage: Int(r.leverage), establishedMs: occurred(r.atMs, tx))
        rel.symbolLeverage = r.symbolLeverage.mapValues { Int($0) }
        rel.marginMode = marginMode
        rel.symbolMarginMode = symbolMarginMode
        rel.slippage = r.hasSlippage_p ? Decimal8(e8: r.slippageE8) : nil
        rel.maxMarginPerOrder = r.maxMarginPerOrderE8 > 0 ? Decimal8(e8: r.maxMarginPerOrderE8) : nil
        rel.maxTotalMargin = r.maxTotalMarginE8 > 0 ? Decimal8(e8: r.maxTotalMarginE8) : nil
        rel.autoMarginAmount = r.autoMarginAmountE8 > 0 ? Decimal8(e8: r.autoMarginAmountE8) : nil
        tx.put(rel)
        tx.created(rel.id)
        tx.event(.relationFollowed, account: copier.id, detail: "follows \(trader.id) (\(rel.id))")
    }

    func unfollow(_ r: Copytrade_V1_RelationRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        let rel = try requireRelation(r, tx)
        tx.remove(relation: rel.id)
        // Open copies stay open and keep their link for closes; only new opens stop.
        tx.event(.relationUnfollowed, account: rel.copier, detail: "stopped following \(rel.trader) (\(rel.id))")
    }

    func setPaused(_ r: Copytrade_V1_RelationRequest, _ paused: Bool, _ tx: inout EngineTransaction) throws(DomainError) {
        var rel = try requireRelation(r, tx)
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
