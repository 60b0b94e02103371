import CopyTradeCore
import CopyTradeProto

/// All coordinator state, owned by the single writer (SPEC §6). Reads are plain lookups;
/// every change goes through ``apply(_:)``.
public struct EngineState: Sendable {
    public private(set) var accounts: [String: AccountRecord] = [:]
    public private(set) var positions: [String: PositionRecord] = [:]
    public private(set) var orders: [String: OrderRecord] = [:]
    public private(set) var relations: [String: RelationRecord] = [:]
    /// Trader margin signals inside the reorder window, by signal id.
    public private(set) var heldSignals: [String: Copytrade_V1_MarginSignal] = [:]
    public private(set) var marks: [String: MarkPoint] = [:]
    /// Margin lost in liquidations (SPEC §7: nothing is created or destroyed).
    public private(set) var insurance: Decimal8 = .zero
    public private(set) var nextID: UInt64 = 1
    public private(set) var nextEventSequence: UInt64 = 1
    /// Rollout phases set at run time (`copyctl rollout set`): they replace the configuration's
    /// `engine.rollout` from then on, also after a restart (docs/decisions.md). Nil: never set.
    public private(set) var rollout: Copytrade_V1_RolloutSetting?
    /// The last scheduled profit-share settlement run (its schedule time; 0: none yet).
    public private(set) var settledScheduleMs: Millis = 0
    /// Settings of traders other shards own, as their messages said (docs/sharding.md).
    public private(set) var remoteTraders: [String: TraderSettings] = [:]

    // Indexes, derived from the records above and rebuilt by apply.
    public private(set) var positionsByAccount: [String: IDSet] = [:]
    public private(set) var copiesOf: [String: IDSet] = [:]
    public private(set) var relationsByTrader: [String: IDSet] = [:]
    public private(set) var relationsByCopier: [String: IDSet] = [:]
    public private(set) var ordersByAccount: [String: IDSet] = [:]
    public let liquidationIndex = SharedPriceIndex.liquidations()
    /// Copies with take profit or stop loss, by trigger price (docs/protections.md).
    public let triggerIndex = SharedPriceIndex.copyTriggers()
    /// Following relations with a stop-loss amount: a mark re-checks only these.
    public private(set) var stopLossRelations: Set<String> = []
    /// Accounts holding cross positions, per symbol: a mark update re-checks only these.
    public private(set) var crossAccountsBySymbol: [String: Set<String>] = [:]

    public init() {}

    // MARK: Lookups

    /// The account's open position on `symbol` that is its own (not a copy), if any.
    public func ownPosition(account: String, symbol: String) -> PositionRecord? {
        for id in positionsByAccount[account] ?? [] {
            if let p = positions[id], p.symbol == symbol, p.copiedFrom == nil { return p }
        }
        return nil
    }

    /// The copier's position copied from `traderPosition` under `relation`, if any.
    public func copy(of traderPosition: String, account: String, relation: String) -> PositionRecord? {
        for id in positionsByAccount[account] ?? [] {
            if let p = positions[id], p.copiedFrom == traderPosition, p.relationID == relation { return p }
        }
        return nil
    }

    /// The relation between a copier and a trader, if any (an ended one is not: it only waits
    /// for the copies it linked to close).
    public func relation(copier: String, trader: String) -> RelationRecord? {
        for id in relationsByCopier[copier] ?? [] {
            if let r = relations[id], r.trader == trader, r.status != .ended { return r }
        }
        return nil
    }

    // MARK: Applying changes

    /// Applies one input's changes. Deterministic: the same sequence of changes from the same
    /// starting state gives the same state, which recovery relies on.
    public mutating func apply(_ c: StateChanges) {
        // A fan-out brings one position per copier: grow each table once, not by doubling.
        // Only new positions need room: a margin sync to as many copies changes them in place,
        // and reserving for those too rehashed the whole table on every sync.
        if c.positions.count > 64 {
            var added = 0
            for id in c.positions.keys where positions.index(forKey: id) == nil { added += 1 }
            if added > 64 {
                positions.reserveCapacity(positions.count + added)
                if let from = c.positions.first?.value.copiedFrom {
                    copiesOf[from, default: []].reserveCapacity((copiesOf[from]?.count ?? 0) + added)
                }
            }
        }
        for (_, a) in c.accounts { accounts[a.id] = a }
        for (_, p) in c.positions { putPosition(p) }
        for id in c.closedPositions { removePosition(id) }
        for (_, o) in c.orders { putOrder(o) }
        for id in c.removedOrders {
            if let o = orders.removeValue(forKey: id) { ordersByAccount[o.account]?.remove(id) }
        }
        for (_, r) in c.relations { putRelation(r) }
        for id in c.removedRelations {
            if let r = relations.removeValue(forKey: id) {
                relationsByTrader[r.trader]?.remove(id)
                relationsByCopier[r.copier]?.remove(id)
                stopLossRelations.remove(id)
            }
        }
        for s in c.heldSignals { heldSignals[s.signalID] = s }
        for id in c.releasedSignals { heldSignals[id] = nil }
        if !c.insuranceDelta.isZero { insurance = (try? insurance + c.insuranceDelta) ?? insurance }
        for (symbol, m) in c.marks { marks[symbol] = m }
        if let r = c.rollout { rollout = r }
        if c.settledScheduleMs > settledScheduleMs { settledScheduleMs = c.settledScheduleMs }
        for t in c.traderSettings { remoteTraders[t.trader] = t }
        if c.nextID > nextID { nextID = c.nextID }
        if let last = c.events.last, last.sequence >= nextEventSequence { nextEventSequence = last.sequence + 1 }
    }

    /// A snapshot's records put straight into an empty state (recovery), each table sized once
    /// and no change set built in between: what ``apply(_:)`` would make of them, without
    /// hashing every record twice (issue 13's recovery profile). The snapshot's other parts go
    /// through ``apply(_:)`` afterwards.
    mutating func load(accounts a: [AccountRecord], positions p: [PositionRecord], orders o: [OrderRecord],
                       relations r: [RelationRecord]) {
        accounts.reserveCapacity(accounts.count + a.count)
        positions.reserveCapacity(positions.count + p.count)
        orders.reserveCapacity(orders.count + o.count)
        relations.reserveCapacity(relations.count + r.count)
        positionsByAccount.reserveCapacity(positionsByAccount.count + a.count)
        relationsByCopier.reserveCapacity(relationsByCopier.count + a.count)
        for x in a { accounts[x.id] = x }
        for x in p { putPosition(x) }
        for x in o { putOrder(x) }
        for x in r { putRelation(x) }
    }

    /// Sets the event counter from a snapshot (events themselves live in the journal).
    mutating func restoreEventSequence(_ next: UInt64) {
        if next > nextEventSequence { nextEventSequence = next }
    }

    private mutating func putOrder(_ o: OrderRecord) {
        orders[o.id] = o
        ordersByAccount[o.account, default: []].insert(o.id)
    }

    private mutating func putRelation(_ r: RelationRecord) {
        relations[r.id] = r
        relationsByTrader[r.trader, default: []].insert(r.id)
        relationsByCopier[r.copier, default: []].insert(r.id)
        if r.stopLossAmount != nil, r.status == .following { stopLossRelations.insert(r.id) } else { stopLossRelations.remove(r.id) }
    }

    private mutating func putPosition(_ p: PositionRecord) {
        if let old = positions[p.id] {
            if old.mode == .cross, p.mode != .cross { crossAccountsBySymbol[old.symbol]?.remove(old.account) }
            // A detached copy no longer follows its trader position.
            if let from = old.copiedFrom, from != p.copiedFrom { copiesOf[from]?.remove(p.id) }
        }
        positions[p.id] = p
        positionsByAccount[p.account, default: []].insert(p.id)
        if let from = p.copiedFrom { copiesOf[from, default: []].insert(p.id) }
        if p.mode == .cross { crossAccountsBySymbol[p.symbol, default: []].insert(p.account) }
        liquidationIndex.update(p)
        triggerIndex.update(p)
    }

    private mutating func removePosition(_ id: String) {
        guard let p = positions.removeValue(forKey: id) else { return }
        positionsByAccount[p.account]?.remove(id)
        if let from = p.copiedFrom { copiesOf[from]?.remove(id) }
        if p.mode == .cross, !(positionsByAccount[p.account] ?? []).contains(where: { positions[$0]?.mode == .cross && positions[$0]?.symbol == p.symbol }) {
            crossAccountsBySymbol[p.symbol]?.remove(p.account)
        }
        liquidationIndex.remove(positionID: id)
        triggerIndex.remove(positionID: id)
    }

    /// Takes the positions a mark crosses out of the liquidation index (see ``PriceTriggerIndex``).
    public func takeCrossed(symbol: String, mark: Decimal8) -> [String] {
        liquidationIndex.takeCrossed(symbol: symbol, mark: mark)
    }

    /// Takes the copies whose take profit or stop loss a mark reaches out of the trigger index.
    public func takeTriggered(symbol: String, mark: Decimal8) -> [String] {
        triggerIndex.takeCrossed(symbol: symbol, mark: mark)
    }

    /// Puts a position checked at a crossing back into the indexes.
    public func refile(_ id: String) {
        if let p = positions[id] {
            liquidationIndex.update(p)
            triggerIndex.update(p)
        }
    }
}

/// A trader's settings as the shards that do not own the trader know them (docs/sharding.md).
public struct TraderSettings: Sendable, Hashable {
    public var trader: String
    public var maxCopiers: Int?
    public var profitShareRatio: Decimal8
}
