import CopyTradeCore
import CopyTradeProto

/// One input's view of the state: reads see the changes made so far on top of the committed
/// state, writes go into ``changes``. Nothing touches ``EngineState`` until the input is fully
/// decided, so a refused input changes nothing.
public struct EngineTransaction: Sendable {
    public let base: EngineState
    public private(set) var changes = StateChanges()
    public let inputKey: String
    public let nowMs: Millis
    private var nextID: UInt64
    private var nextEvent: UInt64
    /// Positions and orders this input touched, per account, so per-account reads stay O(own).
    /// A fan-out or a margin sync touches one position per copier: an ``IDSet`` keeps it inline,
    /// with no set allocated per copier (issue 13's profile: a tenth of ``put(_:)-(PositionRecord)``).
    private var touchedPositions: [String: IDSet] = [:]
    private var touchedOrders: [String: IDSet] = [:]

    /// Where ids are numbered from (``ShardLayout/idNumber(_:)``) and messages go.
    let layout: ShardLayout

    init(base: EngineState, inputKey: String, nowMs: Millis, layout: ShardLayout = .single) {
        self.base = base
        self.layout = layout
        self.inputKey = inputKey
        self.nowMs = nowMs
        self.nextID = base.nextID
        self.nextEvent = base.nextEventSequence
    }

    // MARK: Reads

    public func account(_ id: String) -> AccountRecord? { changes.accounts[id] ?? base.accounts[id] }

    public func position(_ id: String) -> PositionRecord? {
        if changes.closedPositions.contains(id) { return nil }
        return changes.positions[id] ?? base.positions[id]
    }

    public func order(_ id: String) -> OrderRecord? {
        if changes.removedOrders.contains(id) { return nil }
        return changes.orders[id] ?? base.orders[id]
    }

    public func relation(_ id: String) -> RelationRecord? {
        if changes.removedRelations.contains(id) { return nil }
        return changes.relations[id] ?? base.relations[id]
    }

    /// Every open position of an account, with this input's changes.
    public func positions(of account: String) -> [PositionRecord] {
        IDSet.sortedUnion(base.positionsByAccount[account], touchedPositions[account]).compactMap { position($0) }
    }

    public func orders(of account: String) -> [OrderRecord] {
        IDSet.sortedUnion(base.ordersByAccount[account], touchedOrders[account]).compactMap { order($0) }
    }

    /// Relations where `trader` is followed, in id order (a stable fan-out order).
    public func relations(ofTrader trader: String) -> [RelationRecord] {
        var ids = base.relationsByTrader[trader] ?? []
        for (id, r) in changes.relations where r.trader == trader { ids.insert(id) }
        return ids.sorted(by: IDOrder.less).compactMap { relation($0) }
    }

    /// The copier's relation with a trader; an ended one (waiting for its copies to close) is
    /// not one any more.
    public func relation(copier: String, trader: String) -> RelationRecord? {
        var ids = base.relationsByCopier[copier] ?? []
        for (id, r) in changes.relations where r.copier == copier { ids.insert(id) }
        return ids.compactMap { relation($0) }.first { $0.trader == trader && $0.status != .ended }
    }

    /// Every relation here, in id order.
    public func allRelations() -> [RelationRecord] {
        var ids = Set(base.relations.keys)
        for id in changes.relations.keys { ids.insert(id) }
        return ids.sorted(by: IDOrder.less).compactMap { relation($0) }
    }

    /// The open copies a relation linked.
    public func copies(ofRelation r: RelationRecord) -> [PositionRecord] {
        positions(of: r.copier).filter { $0.relationID == r.id }
    }

    /// The account's own (not copied) position on a symbol.
    public func ownPosition(account: String, symbol: String) -> PositionRecord? {
        positions(of: account).first { $0.symbol == symbol && $0.copiedFrom == nil }
    }

    /// The copier's copy of a trader position under `relation`, if any.
    public func copy(of traderPosition: String, account: String, relation: String) -> PositionRecord? {
        if let touched = touchedPositions[account] {
            for id in touched {
                if let p = position(id), p.copiedFrom == traderPosition, p.relationID == relation { return p }
            }
        }
        guard let p = base.copy(of: traderPosition, account: account, relation: relation) else { return nil }
        return position(p.id)
    }

    /// Copies of a trader position, with this input's changes.
    public func copies(of traderPosition: String) -> [PositionRecord] {
        var ids = base.copiesOf[traderPosition] ?? []
        for (id, p) in changes.positions where p.copiedFrom == traderPosition { ids.insert(id) }
        // A copy detached in this input is no longer one.
        return ids.sorted(by: IDOrder.less).compactMap { position($0) }.filter { $0.copiedFrom == traderPosition }
    }

    public func mark(_ symbol: String) -> MarkPoint? { changes.marks[symbol] ?? base.marks[symbol] }

    // MARK: Writes

    public mutating func put(_ a: AccountRecord) { changes.accounts[a.id] = a }

    /// Room for `count` more changed accounts and positions (a fan-out to `count` copiers), so
    /// the change tables grow once instead of by doubling.
    public mutating func reserve(copies count: Int) {
        changes.accounts.reserveCapacity(changes.accounts.count + count)
        changes.positions.reserveCapacity(changes.positions.count + count)
        changes.events.reserveCapacity(changes.events.count + count)
        touchedPositions.reserveCapacity(touchedPositions.count + count)
    }

    /// True once this input put a position with TP/SL triggers (``Engine/fireReachedTriggers(_:)``
    /// then looks at the changed positions; a fan-out without triggers skips that pass).
    private(set) var putTriggers = false

    public mutating func put(_ p: PositionRecord) {
        if p.triggers.isSet { putTriggers = true }
        changes.closedPositions.remove(p.id)
        changes.positions[p.id] = p
        touchedPositions[p.account, default: []].insert(p.id)
    }

    public mutating func close(position id: String) {
        changes.positions[id] = nil
        changes.closedPositions.insert(id)
    }

    public mutating func put(_ o: OrderRecord) {
        changes.removedOrders.remove(o.id)
        changes.orders[o.id] = o
        touchedOrders[o.account, default: []].insert(o.id)
    }


    public mutating func remove(order id: String) {
        changes.orders[id] = nil
        changes.removedOrders.insert(id)
    }

    public mutating func put(_ r: RelationRecord) {
        changes.removedRelations.remove(r.id)
        changes.relations[r.id] = r
    }

    public mutating func remove(relation id: String) {
        changes.relations[id] = nil
        changes.removedRelations.insert(id)
    }

    public mutating func hold(_ s: Copytrade_V1_MarginSignal) { changes.heldSignals.append(s) }
    public mutating func release(signal id: String) { changes.releasedSignals.insert(id) }
    public mutating func setMark(_ symbol: String, _ m: MarkPoint) { changes.marks[symbol] = m }
    /// Replaces the margin-sync rollout phases (see Engine+Rollout.swift).
    public mutating func setRollout(_ r: Copytrade_V1_RolloutSetting) { changes.rollout = r }
    /// Records the scheduled settlement this input runs.
    mutating func settled(schedule ms: Millis) { changes.settledScheduleMs = ms }
    /// Records another shard's trader settings.
    mutating func learn(_ t: TraderSettings) { changes.traderSettings.append(t) }
    /// Another shard's trader settings as known here, with this input's.
    func remoteTrader(_ id: String) -> TraderSettings? {
        changes.traderSettings.last { $0.trader == id } ?? base.remoteTraders[id]
    }

    public mutating func addInsurance(_ amount: Decimal8) throws(DomainError) {
        changes.insuranceDelta = try changes.insuranceDelta + amount
    }

    /// A fresh id with a readable prefix: `p-12`, `o-13`, `r-14`.
    public mutating func newID(_ prefix: String) -> String {
        defer { nextID += 1; changes.nextID = nextID }
        return "\(prefix)-\(layout.idNumber(nextID))"
    }

    public mutating func created(_ id: String) { changes.createdID = id }

    /// Sends `kind` to every other shard (nothing in one process).
    mutating func broadcast(_ kind: Copytrade_V1_ShardMessage.OneOf_Kind) {
        guard layout.isSharded else { return }
        send(kind, to: layout.others)
    }

    /// Sends `kind` to the `targets` shards.
    mutating func send(_ kind: Copytrade_V1_ShardMessage.OneOf_Kind, to targets: [Int]) {
        var m = Copytrade_V1_ShardMessage()
        m.kind = kind
        changes.messages.append(OutgoingMessage(targets: targets, message: m))
    }

    /// Publishes a created account's role for other shards' follow checks.
    mutating func publish(account: String, role: AccountRole) {
        guard layout.isSharded else { return }
        changes.directory.append((account, role))
    }

    /// Records a history event; every event carries this input's key and time.
    public mutating func event(_ kind: EventKind, account: String = "", symbol: String = "", position: String = "",
                               amount: Decimal8? = nil, price: Decimal8? = nil, quantity: Decimal8? = nil,
                               reason: String = "", detail: String = "") {
        var e = Copytrade_V1_Event()
        e.sequence = nextEvent
        nextEvent += 1
        e.atMs = nowMs
        e.kind = kind.rawValue
        e.accountID = account
        e.symbol = symbol
        e.positionID = position
        e.amountE8 = amount?.units ?? 0
        e.priceE8 = price?.units ?? 0
        e.quantityE8 = quantity?.units ?? 0
        e.reason = reason
        e.detail = detail
        e.inputKey = inputKey
        changes.events.append(e)
    }
}

/// Orders ids like `r-9` before `r-10`: by length, then text.
enum IDOrder {
    static func less(_ a: String, _ b: String) -> Bool {
        let (x, y) = (a.utf8.count, b.utf8.count)  // O(1) for native strings, unlike count
        return x != y ? x < y : a < b
    }
}
