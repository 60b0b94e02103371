import CopyTradeProto

/// The margin module as callers see it, in wire types: the same protocol whether the module
/// runs in process (``MarginHandler``) or behind a socket (``MarginRemote``), so a caller's
/// results cannot depend on where the module runs.
public protocol MarginAPI: Sendable {
    func evaluate(_ request: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation
    func evaluateBatch(_ request: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse
    func evaluateAccount(_ request: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation
    func decideAutoMargin(_ request: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision
    func info() async throws -> Copytrade_V1_ModuleInfo
}
