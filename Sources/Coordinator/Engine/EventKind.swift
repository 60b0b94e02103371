import Sizing
import Sync
import ModuleRuntime

/// What a history event records. The raw value is the event's `kind` on the wire, in the
/// journal and in `copyctl history --kind PREFIX`: a name never changes once recorded.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case accountCreated = "account.created"
    case deposit = "deposit"
    case withdrawal = "withdrawal"
    case relationFollowed = "relation.followed"
    case relationUnfollowed = "relation.unfollowed"
    case relationPaused = "relation.paused"
    case relationResumed = "relation.resumed"
    case positionOpened = "position.opened"
    case positionIncreased = "position.increased"
    case positionClosed = "position.closed"
    case positionReduced = "position.reduced"
    case copyOpened = "copy.opened"
    case copyIncreased = "copy.increased"
    case copySkipped = "copy.skipped"
    case copyUnfilled = "copy.unfilled"
    case copyClosed = "copy.closed"
    case copyReduced = "copy.reduced"
    case copyCloseSkipped = "copy.close_skipped"
    /// A cross position closed by a cross liquidation (always whole).
    case crossClosed = "cross.closed"
    case crossReduced = "cross.reduced"
    case marginAdded = "margin.added"
    case marginReduced = "margin.reduced"
    case syncReceived = "sync.received"
    case syncApplied = "sync.applied"
    case syncCapped = "sync.capped"
    case syncSkipped = "sync.skipped"
    case orderPlaced = "order.placed"
    case orderCancelled = "order.cancelled"
    case autoMarginOn = "automargin.on"
    case autoMarginOff = "automargin.off"
    case autoMarginAdded = "automargin.added"
    case liquidated = "liquidated"
    case rolloutSet = "rollout.set"
    // Copier protections, limits and profit sharing (docs/protections.md).
    case copyTakeProfit = "copy.take_profit"
    case copyStopLoss = "copy.stop_loss"
    case copyDetached = "copy.detached"
    case relationStopped = "relation.stopped"
    case relationEnded = "relation.ended"
    case relationSettingsChanged = "relation.settings_changed"
    case accountSettingsChanged = "account.settings_changed"
    case profitSharePaid = "profit_share.paid"
    case profitShareReceived = "profit_share.received"
    case profitShareShort = "profit_share.short"
    case settlementRun = "settlement.run"
    /// A message from another shard this shard could not apply (docs/sharding.md).
    case shardMessageRefused = "shard.message_refused"
}

/// Whose position a close books: an account's own, a copy following it, or a cross position
/// closed by a cross liquidation; each has its own pair of event kinds.
enum ClosedPosition {
    case own, copy, cross

    /// `…closed` for a full close, `…reduced` for a partial one.
    func kind(full: Bool) -> EventKind {
        switch self {
        case .own: full ? .positionClosed : .positionReduced
        case .copy: full ? .copyClosed : .copyReduced
        case .cross: full ? .crossClosed : .crossReduced
        }
    }
}

extension CopySkipReason {
    /// The reason recorded in history: the wire's `SkipReason` name (one definition,
    /// `Copytrade_V1_SkipReason.name`), whichever side of the wire the module ran on.
    var historyName: String { SizingHandler.wire(self).name }
}

extension SyncOutcome {
    /// The outcome recorded in history: the wire's `SyncOutcome` name (`Copytrade_V1_SyncOutcome.name`).
    var historyName: String { SyncWire.wire(self).name }
}

/// A module's skip reason or sync outcome this coordinator does not know (a remote module's
/// unset enum) is recorded under this name, as the wire's `name` spells it.
let unknownOutcomeName = "unspecified"
