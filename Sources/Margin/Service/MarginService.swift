import CopyTradeProto
import ModuleRuntime
import TTRPC

extension ServiceDefinition {
    /// The ttrpc name of the margin service.
    public static let marginName = "copytrade.v1.Margin"

    /// `copytrade.v1.Margin` served by `api` (usually a ``MarginHandler``).
    public static func margin(_ api: any MarginAPI, onShutdown: (@Sendable () -> Void)? = nil) -> ServiceDefinition {
        var s = ServiceDefinition(name: marginName)
        s.unary("Evaluate") { (r: Copytrade_V1_EvaluateRequest, _) in try await api.evaluate(r) }
        s.unary("EvaluateBatch") { (r: Copytrade_V1_EvaluateBatchRequest, _) in try await api.evaluateBatch(r) }
        s.unary("EvaluateAccount") { (r: Copytrade_V1_EvaluateAccountRequest, _) in try await api.evaluateAccount(r) }
        s.unary("DecideAutoMargin") { (r: Copytrade_V1_AutoMarginRequest, _) in try await api.decideAutoMargin(r) }
        s.moduleBasics(info: { try await api.info() }, onShutdown: onShutdown)
        return s
    }
}

/// The margin module behind a socket (a Swift `copytrade-module margin` or a plugin).
public struct MarginRemote: MarginAPI {
    let remote: RemoteModule

    public init(client: TTRPCClient, timeout: Duration = .seconds(10)) {
        remote = RemoteModule(client: client, service: ServiceDefinition.marginName, timeout: timeout)
    }

    public func evaluate(_ r: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation { try await remote.call("Evaluate", r) }
    public func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        try await remote.call("EvaluateBatch", r)
    }
    public func evaluateAccount(_ r: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation {
        try await remote.call("EvaluateAccount", r)
    }
    public func decideAutoMargin(_ r: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision {
        try await remote.call("DecideAutoMargin", r)
    }
    public func info() async throws -> Copytrade_V1_ModuleInfo { try await remote.info() }
}
