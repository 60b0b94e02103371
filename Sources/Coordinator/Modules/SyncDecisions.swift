import CopyTradeCore
import Sync

/// The margin sync module as the engine asks it, in domain values (docs/decisions.md,
/// "Coordinator"): ``InProcessSync`` runs ``RatioMarginSync`` and ``RolloutPlan`` directly;
/// ``SyncOverWire`` speaks `copytrade.v1.Sync` to a module out of process.
public protocol SyncDecisions: Sendable {
    /// Whether the trader was eligible for margin sync under `plan` at `at` (SPEC §5).
    func isEligible(trader: AccountID, market: String, region: String, under plan: RolloutPlan, at: Millis) async throws -> Bool
    /// Each copier's decision on one signal, in order; `maxDelay` 0 is the module's default.
    /// The engine checks the count and every delta before applying any.
    func decide(_ signal: MarginSyncSignal, for copiers: [CopierMarginState], maxDelay: Millis) async throws -> [CopierSyncAnswer]
}

/// One copier's sync decision as the module gave it: the outcome (nil: one this coordinator
/// does not know), the signed margin to move, and the module's explanation for the history.
public struct CopierSyncAnswer: Sendable, Hashable {
    public var outcome: SyncOutcome?
    public var delta: Decimal8
    public var explanation: String

    public init(outcome: SyncOutcome?, delta: Decimal8, explanation: String) {
        self.outcome = outcome
        self.delta = delta
        self.explanation = explanation
    }

    public init(_ d: SyncDecision) {
        self.init(outcome: d.outcome, delta: d.appliedDelta, explanation: d.message)
    }
}

/// The built-in sync module called directly, the same rules ``SyncHandler`` serves on the wire.
public struct InProcessSync: SyncDecisions {
    public init() {}

    public func isEligible(trader: AccountID, market: String, region: String, under plan: RolloutPlan, at: Millis) async throws -> Bool {
        plan.isEligible(trader: trader, market: market, region: region, at: at).eligible
    }

    public func decide(_ signal: MarginSyncSignal, for copiers: [CopierMarginState], maxDelay: Millis) async throws -> [CopierSyncAnswer] {
        let policy = try RatioMarginSync(maxDelay: maxDelay > 0 ? maxDelay : RatioMarginSync.defaultMaxDelay)
        return try policy.decideAll(signal, copiers).map(CopierSyncAnswer.init)
    }
}
