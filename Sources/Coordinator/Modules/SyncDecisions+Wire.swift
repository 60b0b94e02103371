import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sync

/// The sync module out of process behind its wire API: the only place the engine's sync
/// questions become protobuf.
public struct SyncOverWire: SyncDecisions {
    public let api: any SyncAPI

    public init(_ api: any SyncAPI) { self.api = api }

    public func isEligible(trader: AccountID, market: String, region: String, under plan: RolloutPlan, at: Millis) async throws -> Bool {
        var r = Copytrade_V1_EligibilityRequest()
        r.phases = plan.phases.map(SyncWire.wire)
        r.traderID = trader.rawValue
        r.traderMarket = market
        r.traderRegion = region
        r.atMs = at
        return try await api.checkEligibility(r).eligible
    }

    public func decide(_ signal: MarginSyncSignal, for copiers: [CopierMarginState], maxDelay: Millis) async throws -> [CopierSyncAnswer] {
        var batch = Copytrade_V1_SyncBatchRequest()
        batch.signal = SyncWire.wire(signal)
        batch.maxDelayMs = maxDelay
        batch.copiers = copiers.map(SyncWire.wire)
        return try await api.decideBatch(batch).decisions.map { d in
            CopierSyncAnswer(outcome: Self.outcome(d.outcome), delta: Decimal8(e8: d.copierDeltaE8), explanation: d.reason)
        }
    }

    /// A wire outcome read back; nil for one this coordinator does not know.
    static func outcome(_ w: Copytrade_V1_SyncOutcome) -> SyncOutcome? {
        switch w {
        case .applied: .applied
        case .capped: .capped
        case .insufficientBalance: .insufficientBalance
        case .stale: .stale
        case .outOfScope: .outOfScope
        case .notIsolated: .notIsolated
        case .notEligible: .notEligible
        case .nothingToApply: .nothingToApply
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
