import CopyTradeCore
import CopyTradeProto

/// Which shard an input belongs to (docs/sharding.md, "Routing"): the owner of the account
/// it acts for (a relation's copier; an order's or position's account), the market shard for
/// marks and rollout settings. The router forwards by it; the engine refuses an input that
/// reached the wrong shard, so a misrouted call changes nothing. A settlement belongs to every
/// shard (``isBroadcast(_:)``): a trader's relations live in their copiers' shards.
public enum ShardRoute {
    /// The owning shard of `input` under `layout`'s count; nil for inputs a shard makes
    /// itself (sync releases, applied messages), which never travel, and for inputs every
    /// shard runs (``isBroadcast(_:)``), which have no single owner.
    public static func shard(of input: Copytrade_V1_Input, count: Int) -> Int? {
        guard count > 1 else { return 0 }
        func owner(_ account: String, position: String = "") -> Int {
            if account.isEmpty, let n = number(position) { return Int(n % UInt64(count)) }
            return ShardLayout.shard(of: account, count: count)
        }
        switch input.kind {
        case .createAccount(let r): return owner(r.accountID)
        case .deposit(let r), .withdraw(let r): return owner(r.accountID)
        case .follow(let r): return owner(r.copierID)
        case .unfollow(let r), .pause(let r), .resume(let r): return owner(r.copierID)
        case .setRelation(let r): return owner(r.copierID)
        case .setAccount(let r): return owner(r.accountID)
        case .open(let r): return owner(r.accountID)
        case .close(let r): return owner(r.accountID)
        case .adjustMargin(let r): return owner(r.accountID)
        case .placeOrder(let r): return owner(r.accountID)
        case .cancelOrder(let r): return owner(r.accountID)
        case .setAutoMargin(let r): return owner(r.accountID, position: r.positionID)
        case .setMark, .setRollout: return ShardLayout.marketShard
        case .settle, .syncRelease, .shardMessage, nil: return nil
        }
    }

    /// True for an input every shard runs with the same key (a profit-share settlement: each
    /// shard settles the relations of its own copiers); the router sends it to all shards and
    /// merges their answers, and every shard accepts it.
    public static func isBroadcast(_ input: Copytrade_V1_Input) -> Bool {
        if case .settle = input.kind { return true }
        return false
    }

    /// The number in an engine id (`p-17` → 17): ids are numbered `n * count + shard`
    /// (``ShardLayout/idNumber(_:)``), so the number names the shard.
    static func number(_ id: String) -> UInt64? {
        guard let dash = id.lastIndex(of: "-") else { return nil }
        return UInt64(id[id.index(after: dash)...])
    }
}

extension Engine {
    /// Refuses an input that belongs to another shard (FAILED_PRECONDITION naming it): only
    /// the owner of an account may change it (docs/sharding.md).
    func checkOwnership(_ input: Copytrade_V1_Input) throws(DomainError) {
        guard layout.isSharded else { return }
        if case .shardMessage(let m) = input.kind {
            guard m.sourceShard != layout.index, (0..<layout.count).contains(Int(m.sourceShard)) else {
                throw DomainError.invalid("sourceShard", "a message to shard \(layout.index) must come from another of the \(layout.count) shards")
            }
            return
        }
        // A broadcast input (a settlement) has no single owner: shard(of:) is nil, any shard runs it.
        guard let owner = ShardRoute.shard(of: input, count: layout.count), owner != layout.index else { return }
        throw DomainError(.failedPrecondition, field: "account",
                          "this input belongs to shard \(owner), not to shard \(layout.index); send it to any member, which routes it")
    }
}
