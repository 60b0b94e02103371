import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime
import Pricing
import Sizing
import Sync
import TTRPC

/// Runs one call on the module's current connection. A broken connection (UNAVAILABLE) makes
/// the host restore it and the call is retried on the new one: module calls are decisions
/// without side effects, so a retry cannot apply anything twice, and the input waits instead of
/// failing. Other errors (a refusal, a deadline, garbage) go to the caller.
func routedCall<T: Sendable>(_ host: PluginHost, _ m: ModuleName, _ body: (TTRPCClient, Duration) async throws -> T) async throws -> T {
    var attempts = 0
    let metrics = host.metrics.moduleCalls[m]
    while true {
        let c = try await host.connection(m)
        guard let client = c.client else { throw TTRPCError(code: .unavailable, message: "\(m.rawValue) is in process") }
        let started = ContinuousClock.now
        do {
            let answer = try await body(client, c.callTimeout)
            metrics?.duration.recordNanoseconds(started.duration(to: .now).nanoseconds)
            return answer
        } catch let e as TTRPCError where e.code == .unavailable {
            metrics?.errors.increment()
            attempts += 1
            await host.failed(c)
            if attempts > 20 { throw e }
        } catch let e as TTRPCError {
            metrics?.errors.increment()
            // A deadline, garbage or a crash inside the plugin: refuse this input, name the module.
            throw DomainError(.failedPrecondition, field: m.rawValue,
                              "the \(m.rawValue) module (\(c.route.summary)) failed: \(e.code) \(e.message)")
        }
    }
}

struct RoutedMargin: MarginAPI {
    let host: PluginHost
    func evaluate(_ r: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation {
        try await routedCall(host, .margin) { try await MarginRemote(client: $0, timeout: $1).evaluate(r) }
    }
    func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        try await routedCall(host, .margin) { try await MarginRemote(client: $0, timeout: $1).evaluateBatch(r) }
    }
    func evaluateAccount(_ r: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation {
        try await routedCall(host, .margin) { try await MarginRemote(client: $0, timeout: $1).evaluateAccount(r) }
    }
    func decideAutoMargin(_ r: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision {
        try await routedCall(host, .margin) { try await MarginRemote(client: $0, timeout: $1).decideAutoMargin(r) }
    }
    func info() async throws -> Copytrade_V1_ModuleInfo {
        try await routedCall(host, .margin) { try await MarginRemote(client: $0, timeout: $1).info() }
    }
}

struct RoutedSizing: SizingAPI {
    let host: PluginHost
    func size(_ r: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision {
        try await routedCall(host, .sizing) { try await SizingRemote(client: $0, timeout: $1).size(r) }
    }
    func sizeBatch(_ r: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        try await routedCall(host, .sizing) { try await SizingRemote(client: $0, timeout: $1).sizeBatch(r) }
    }
    func recommend(_ r: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse {
        try await routedCall(host, .sizing) { try await SizingRemote(client: $0, timeout: $1).recommend(r) }
    }
    func closeQuantity(_ r: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse {
        try await routedCall(host, .sizing) { try await SizingRemote(client: $0, timeout: $1).closeQuantity(r) }
    }
    func info() async throws -> Copytrade_V1_ModuleInfo {
        try await routedCall(host, .sizing) { try await SizingRemote(client: $0, timeout: $1).info() }
    }
}

struct RoutedSync: SyncAPI {
    let host: PluginHost
    func decide(_ r: Copytrade_V1_SyncRequest) async throws -> Copytrade_V1_SyncDecision {
        try await routedCall(host, .sync) { try await SyncRemote(client: $0, timeout: $1).decide(r) }
    }
    func decideBatch(_ r: Copytrade_V1_SyncBatchRequest) async throws -> Copytrade_V1_SyncBatchResponse {
        try await routedCall(host, .sync) { try await SyncRemote(client: $0, timeout: $1).decideBatch(r) }
    }
    func checkEligibility(_ r: Copytrade_V1_EligibilityRequest) async throws -> Copytrade_V1_EligibilityResponse {
        try await routedCall(host, .sync) { try await SyncRemote(client: $0, timeout: $1).checkEligibility(r) }
    }
    func info() async throws -> Copytrade_V1_ModuleInfo {
        try await routedCall(host, .sync) { try await SyncRemote(client: $0, timeout: $1).info() }
    }
}

struct RoutedPricing: PricingAPI {
    let host: PluginHost
    func listSymbols() async throws -> Copytrade_V1_ListSymbolsResponse {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).listSymbols() }
    }
    func getSpec(_ r: Copytrade_V1_GetSpecRequest) async throws -> Copytrade_V1_SymbolSpec {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).getSpec(r) }
    }
    func setMark(_ r: Copytrade_V1_SetMarkRequest) async throws -> Copytrade_V1_Quote {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).setMark(r) }
    }
    func getQuote(_ r: Copytrade_V1_GetQuoteRequest) async throws -> Copytrade_V1_Quote {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).getQuote(r) }
    }
    func roundPrice(_ r: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).roundPrice(r) }
    }
    func roundQuantity(_ r: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).roundQuantity(r) }
    }
    func info() async throws -> Copytrade_V1_ModuleInfo {
        try await routedCall(host, .pricing) { try await PricingRemote(client: $0, timeout: $1).info() }
    }
}
