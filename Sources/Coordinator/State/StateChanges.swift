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

    public init() {}

    public var isEmpty: Bool {
        accounts.isEmpty && positions.isEmpty && closedPositions.isEmpty && orders.isEmpty && removedOrders.isEmpty
            && relations.isEmpty && removedRelations.isEmpty && heldSignals.isEmpty && releasedSignals.isEmpty
            && insuranceDelta.isZero && marks.isEmpty && events.isEmpty && rollout == nil
    }
}

/// A symbol's mark price and when it was set.
public struct MarkPoint: Sendable, Hashable {
    public var price: Decimal8
    public var atMs: Millis
}
