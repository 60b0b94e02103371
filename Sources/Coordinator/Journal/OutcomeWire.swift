import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// ``StateChanges`` ↔ `copytrade.v1.Outcome` (what the journal stores per input), and
/// ``EngineState`` ↔ `copytrade.v1.Snapshot`. Maps are written in key order so the same
/// changes always serialize to the same bytes.
enum OutcomeWire {
    /// The journal's outcome bytes for `c`.
    static func encoded(_ c: StateChanges) throws -> [UInt8] { try wire(c).serializedBytes() }

    static func wire(_ c: StateChanges) -> Copytrade_V1_Outcome {
        var o = Copytrade_V1_Outcome()
        o.events = c.events
        o.accounts = c.accounts.keys.sorted().map { RecordWire.wire(c.accounts[$0]!) }
        o.positions = c.positions.keys.sorted().map { RecordWire.wire(c.positions[$0]!) }
        o.closedPositionIds = c.closedPositions.sorted()
        o.orders = c.orders.keys.sorted().map { RecordWire.wire(c.orders[$0]!) }
        let removedOrders = c.removedOrders.sorted().map { id -> Copytrade_V1_Order in
            var w = Copytrade_V1_Order()
            w.orderID = id
            w.status = .cancelled
            return w
        }
        o.orders.append(contentsOf: removedOrders)
        o.relations = c.relations.keys.sorted().map { RecordWire.wire(c.relations[$0]!) }
        o.removedRelationIds = c.removedRelations.sorted()
        o.heldSignals = c.heldSignals
        o.releasedSignalIds = c.releasedSignals.sorted()
        o.insuranceDeltaE8 = c.insuranceDelta.e8
        o.nextID = c.nextID
        o.marks = c.marks.keys.sorted().map { s in
            var m = Copytrade_V1_MarkPoint()
            m.symbol = s
            m.priceE8 = c.marks[s]!.price.e8
            m.atMs = c.marks[s]!.atMs
            return m
        }
        o.createdID = c.createdID
        if let r = c.rollout { o.rollout = r }
        o.settledScheduleMs = c.settledScheduleMs
        o.traderSettings = c.traderSettings.map(RecordWire.wire)
        return o
    }

    static func changes(_ o: Copytrade_V1_Outcome) -> StateChanges {
        var c = StateChanges()
        c.events = o.events
        for a in o.accounts { c.accounts[a.accountID] = RecordWire.account(a) }
        for p in o.positions { c.positions[p.positionID] = RecordWire.position(p) }
        c.closedPositions = Set(o.closedPositionIds)
        for w in o.orders {
            if w.status == .open { c.orders[w.orderID] = RecordWire.order(w) } else { c.removedOrders.insert(w.orderID) }
        }
        for r in o.relations { c.relations[r.relationID] = RecordWire.relation(r) }
        c.removedRelations = Set(o.removedRelationIds)
        c.heldSignals = o.heldSignals
        c.releasedSignals = Set(o.releasedSignalIds)
        c.insuranceDelta = Decimal8(e8: o.insuranceDeltaE8)
        c.nextID = o.nextID
        for m in o.marks { c.marks[m.symbol] = MarkPoint(price: Decimal8(e8: m.priceE8), atMs: m.atMs) }
        c.createdID = o.createdID
        if o.hasRollout { c.rollout = o.rollout }
        c.settledScheduleMs = o.settledScheduleMs
        c.traderSettings = o.traderSettings.map(RecordWire.traderSettings)
        return c
    }

    static func snapshot(_ s: EngineState, sequence: UInt64) -> Copytrade_V1_Snapshot {
        var w = Copytrade_V1_Snapshot()
        w.sequence = sequence
        w.accounts = s.accounts.keys.sorted().map { RecordWire.wire(s.accounts[$0]!) }
        w.positions = s.positions.keys.sorted().map { RecordWire.wire(s.positions[$0]!) }
        w.orders = s.orders.keys.sorted().map { RecordWire.wire(s.orders[$0]!) }
        w.relations = s.relations.keys.sorted().map { RecordWire.wire(s.relations[$0]!) }
        w.heldSignals = s.heldSignals.keys.sorted().map { s.heldSignals[$0]! }
        w.insuranceE8 = s.insurance.e8
        w.nextID = s.nextID
        w.nextEventSequence = s.nextEventSequence
        w.marks = s.marks.keys.sorted().map { k in
            var m = Copytrade_V1_MarkPoint()
            m.symbol = k
            m.priceE8 = s.marks[k]!.price.e8
            m.atMs = s.marks[k]!.atMs
            return m
        }
        if let r = s.rollout { w.rollout = r }
        w.settledScheduleMs = s.settledScheduleMs
        w.traderSettings = s.remoteTraders.keys.sorted().map { RecordWire.wire(s.remoteTraders[$0]!) }
        return w
    }

    /// Rebuilds state from a snapshot: its records loaded straight into the tables, the rest
    /// applied as one set of changes.
    static func state(_ w: Copytrade_V1_Snapshot) -> EngineState {
        var s = EngineState()
        s.load(accounts: w.accounts.map(RecordWire.account), positions: w.positions.map(RecordWire.position),
               orders: w.orders.map(RecordWire.order), relations: w.relations.map(RecordWire.relation))
        var c = StateChanges()
        c.heldSignals = w.heldSignals
        c.insuranceDelta = Decimal8(e8: w.insuranceE8)
        c.nextID = w.nextID
        for m in w.marks { c.marks[m.symbol] = MarkPoint(price: Decimal8(e8: m.priceE8), atMs: m.atMs) }
        if w.hasRollout { c.rollout = w.rollout }
        c.settledScheduleMs = w.settledScheduleMs
        c.traderSettings = w.traderSettings.map(RecordWire.traderSettings)
        s.apply(c)
        s.restoreEventSequence(w.nextEventSequence)
        return s
    }
}
