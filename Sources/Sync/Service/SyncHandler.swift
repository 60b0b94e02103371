import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// The in-process margin sync module: wire requests in, ``MarginSyncPolicy`` decisions out.
public struct SyncHandler: SyncAPI {
    public init() {}

    public func decide(_ r: Copytrade_V1_SyncRequest) async throws -> Copytrade_V1_SyncDecision {
        let policy = try RatioMarginSync(maxDelay: r.maxDelayMs > 0 ? r.maxDelayMs : RatioMarginSync.defaultMaxDelay)
        return SyncWire.wire(try policy.decide(try SyncWire.signal(r.signal), try SyncWire.copier(r.copier, field: "copier")))
    }

    public func decideBatch(_ r: Copytrade_V1_SyncBatchRequest) async throws -> Copytrade_V1_SyncBatchResponse {
        let policy = try RatioMarginSync(maxDelay: r.maxDelayMs > 0 ? r.maxDelayMs : RatioMarginSync.defaultMaxDelay)
        let signal = try SyncWire.signal(r.signal)
        var copiers: [CopierMarginState] = []
        copiers.reserveCapacity(r.copiers.count)
        for (i, c) in r.copiers.enumerated() { copiers.append(try SyncWire.copier(c, field: "copiers[\(i)]")) }
        var out = Copytrade_V1_SyncBatchResponse()
        out.decisions = try policy.decideAll(signal, copiers).map(SyncWire.wire)
        return out
    }

    public func checkEligibility(_ r: Copytrade_V1_EligibilityRequest) async throws -> Copytrade_V1_EligibilityResponse {
        let plan = try RolloutPlan(phases: try r.phases.enumerated().map { i, p throws(DomainError) in try SyncWire.phase(p, index: i) })
        let (eligible, phase) = plan.isEligible(trader: AccountID(r.traderID), market: r.traderMarket, region: r.traderRegion, at: r.atMs)
        var out = Copytrade_V1_EligibilityResponse()
        out.eligible = eligible
        out.phase = phase ?? ""
        return out
    }

    public func info() async throws -> Copytrade_V1_ModuleInfo {
        ModuleInfo.make(module: "sync", capabilities: ["ratio", "rollout", "batch"])
    }
}
