import CopyTradeCore
import CopyTradeProto

/// Everything one input changed, as upserts and removals. The engine builds it, the journal
/// stores it (as `copytrade.v1.Outcome`), and ``EngineState/apply(_:)`` is the only way state
/// changes — live and during recovery alike, so a restart rebuilds exactly what was acknowledged.
public struct StateChanges: Sendable {
    public var accounts: [String: AccountRecord] = [:]
    public var positions: [String: PositionRecord] = [:]
    public var closedPositions: Set<String> = []
    public var orders: [String: OrderRecord] = [:]
    public var removedOrders: Set<String> = []
    public var relations: [String: RelationRecord] = [:]
    public var removedRelations: Set<String> = []
    public var heldSignals: [Copytrade_V1_MarginSignal] = []
    public var releasedSignals: Set<String> = []
    public var insuranceDelta: Decimal8 = .zero
    public var marks: [String: MarkPoint] = [:]
    public var nextID: UInt64 = 0
    public var events: [Copytrade_V1_Event] = []
    public var createdID = ""
    /// Rollout phases set at run time (`copyctl rollout set`); nil: unchanged.
    public var rollout: Copytrade_V1_RolloutSetting?
    /// The scheduled settlement this input ran (its schedule time); 0: none.
    public var settledScheduleMs: Millis = 0
    /// Settings of other shards' traders this input learnt.
    public var traderSettings: [TraderSettings] = []
    /// Messages for other shards (docs/sharding.md), journaled with this input's entry.
    public var messages: [OutgoingMessage] = []
    /// Accounts this input created, published for other shards' follow checks.
    public var directory: [(account: String, role: AccountRole)] = []

    public init() {}

    /// A fan-out or a sync to many copiers: worth encoding for the journal on another core
    /// while it is applied (a small input would lose more to the hand-off than it gains).
    var isLarge: Bool { positions.count + events.count >= 1_024 }

    public var isEmpty: Bool {
        accounts.isEmpty && positions.isEmpty && closedPositions.isEmpty && orders.isEmpty && removedOrders.isEmpty
            && relations.isEmpty && removedRelations.isEmpty && heldSignals.isEmpty && releasedSignals.isEmpty
            && insuranceDelta.isZero && marks.isEmpty && events.isEmpty && rollout == nil && messages.isEmpty
            && settledScheduleMs == 0 && traderSettings.isEmpty
    }
}

/// A symbol's mark price and when it was set.
public struct MarkPoint: Sendable, Hashable {
    public var price: Decimal8
    public var atMs: Millis

    public init(price: Decimal8, atMs: Millis) {
        self.price = price
        self.atMs = atMs
    }

    init(wire m: Copytrade_V1_MarkPoint) { self.init(price: Decimal8(e8: m.priceE8), atMs: m.atMs) }

    func wire(_ symbol: String) -> Copytrade_V1_MarkPoint {
        var m = Copytrade_V1_MarkPoint()
        m.symbol = symbol
        m.priceE8 = price.e8
        m.atMs = atMs
        return m
    }
}

/// One message to other shards: the same payload for each target (a fan-out goes to every
/// other shard). The source fields are filled in when the entry is journaled.
public struct OutgoingMessage: Sendable {
    public var targets: [Int]
    public var message: Copytrade_V1_ShardMessage
}
