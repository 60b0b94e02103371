// A module that answers wrongly on purpose, for the end-to-end guard tests: it serves the real
// margin or sizing handler over ttrpc as a launched plugin (fd 3) and corrupts chosen answers.
//
//   misbehaving-module sizing-overspend   every copy order costs ten times the copier's balance
//   misbehaving-module sizing-short       a sizing batch answers one decision fewer than asked
//   misbehaving-module margin-no-action   auto-margin decisions leave `action` unset
//   misbehaving-module margin-short       an evaluation batch answers one evaluation fewer
import CopyTradeProto
import Foundation
import Logging
import Margin
import Sizing
import TTRPC

struct OverspendingSizer: SizingAPI {
    let inner = SizingHandler()
    let short: Bool
    func size(_ r: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision { try await inner.size(r) }
    func sizeBatch(_ r: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        var answer = try await inner.sizeBatch(r)
        if short {
            answer.decisions.removeLast()
            return answer
        }
        for i in answer.decisions.indices where !answer.decisions[i].skipped {
            answer.decisions[i].orderMarginE8 = r.items[i].availableE8 * 10 + 1
        }
        return answer
    }
    func recommend(_ r: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse { try await inner.recommend(r) }
    func closeQuantity(_ r: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse {
        try await inner.closeQuantity(r)
    }
    func info() async throws -> Copytrade_V1_ModuleInfo { try await inner.info() }
}

struct CarelessMargin: MarginAPI {
    let inner = MarginHandler()
    let short: Bool
    func evaluate(_ r: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation { try await inner.evaluate(r) }
    func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        var answer = try await inner.evaluateBatch(r)
        if short, !answer.evaluations.isEmpty { answer.evaluations.removeLast() }
        return answer
    }
    func evaluateAccount(_ r: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation {
        try await inner.evaluateAccount(r)
    }
    func decideAutoMargin(_ r: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision {
        var d = try await inner.decideAutoMargin(r)
        if !short { d.action = .unspecified }
        return d
    }
    func info() async throws -> Copytrade_V1_ModuleInfo { try await inner.info() }
}

let mode = CommandLine.arguments.dropFirst().first ?? ""
let service: ServiceDefinition
switch mode {
case "sizing-overspend": service = .sizing(OverspendingSizer(short: false))
case "sizing-short": service = .sizing(OverspendingSizer(short: true))
case "margin-no-action": service = .margin(CarelessMargin(short: false))
case "margin-short": service = .margin(CarelessMargin(short: true))
default:
    FileHandle.standardError.write(Data("misbehaving-module: unknown mode \"\(mode)\"\n".utf8))
    exit(64)
}
let server = TTRPCServer(address: nil, services: [service], logger: Logger(label: "misbehaving-module"))
try await server.serveConnection(descriptor: 3)
