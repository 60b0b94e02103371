import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// The in-process margin module: wire requests in, ``MarginStrategy`` figures and
/// ``AutoMarginPolicy`` decisions out. The request's preset picks the model family; its
/// resolved `risk` is used as given (see `margin.proto`).
public struct MarginHandler: MarginAPI {
    public init() {}

    public func evaluate(_ r: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation {
        try evaluateNow(r)
    }

    /// Synchronous core of ``evaluate(_:)``, shared by batches.
    public func evaluateNow(_ r: Copytrade_V1_EvaluateRequest) throws(DomainError) -> Copytrade_V1_Evaluation {
        let strategy = try MarginPreset(parsing: r.preset.isEmpty ? "bingx" : r.preset).strategy
        let risk = try MarginWire.risk(r.risk)
        let position = try MarginWire.position(r.position)
        let e = try strategy.evaluate(position, risk: risk, mark: r.hasMark_p ? Decimal8(e8: r.markPriceE8) : nil)
        return MarginWire.wire(e)
    }

    public func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        var out = Copytrade_V1_EvaluateBatchResponse()
        out.evaluations.reserveCapacity(r.requests.count)
        out.errors.reserveCapacity(r.requests.count)
        for item in r.requests {
            do {
                out.evaluations.append(try evaluateNow(item))
                out.errors.append("")
            } catch {
                out.evaluations.append(Copytrade_V1_Evaluation())
                out.errors.append(error.description)
            }
        }
        return out
    }

    public func evaluateAccount(_ r: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation {
        guard r.positions.count == r.risks.count, r.positions.count == r.markPricesE8.count else {
            throw DomainError.invalid("positions", "positions, risks and mark prices must have the same length")
        }
        let strategy = try MarginPreset(parsing: r.preset.isEmpty ? "bingx" : r.preset).strategy
        var inputs: [CrossPositionInput] = []
        for i in r.positions.indices {
            inputs.append(CrossPositionInput(position: try MarginWire.position(r.positions[i]), risk: try MarginWire.risk(r.risks[i]),
                                             mark: Decimal8(e8: r.markPricesE8[i])))
        }
        let e = try strategy.evaluateCross(walletBalance: Decimal8(e8: r.walletBalanceE8), positions: inputs)
        var out = Copytrade_V1_AccountEvaluation()
        out.equityE8 = e.equity.e8
        out.maintenanceRequirementE8 = e.totalRequirement.e8
        out.riskRateE8 = e.riskRate.value?.e8 ?? 0
        out.riskInfinite = e.riskRate.value == nil
        out.liquidatable = e.isLiquidatable
        return out
    }

    public func decideAutoMargin(_ r: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision {
        let strategy = try MarginPreset(parsing: r.preset.isEmpty ? "bingx" : r.preset).strategy
        let risk = try MarginWire.risk(r.risk)
        let position = try MarginWire.position(r.position)
        let mark = Decimal8(e8: r.markPriceE8)
        let policy: any AutoMarginPolicy
        if !r.autoMarginEnabled {
            policy = NoAutoMargin()
        } else {
            switch r.policy {
            case "", "fixed": policy = try FixedAmountAutoMargin(amount: Decimal8(e8: r.amountE8))
            default: throw DomainError(.unimplemented, field: "policy", "the built-in margin module has no policy \"\(r.policy)\" (it has: fixed)")
            }
        }
        let situation = AutoMarginSituation(position: position, risk: risk, mark: mark, available: Decimal8(e8: r.availableE8),
                                            cancellableOrderMargin: Decimal8(e8: r.cancellableOrderMarginE8))
        try situation.validate()
        let action = try policy.decide(situation, strategy: strategy)
        var out = Copytrade_V1_AutoMarginDecision()
        out.evaluation = MarginWire.wire(try strategy.evaluate(position, risk: risk, mark: mark))
        switch action {
        case .none:
            out.action = .none
        case .cancelOrders:
            out.action = .cancelOrders
            out.reason = "liquidatable; cancel pending orders to release their margin"
        case .addMargin(let amount):
            out.action = .addMargin
            out.addAmountE8 = amount.e8
            out.reason = "liquidatable; add margin"
        case .liquidate:
            out.action = .liquidate
            out.reason = r.autoMarginEnabled ? "liquidatable with nothing available and nothing to cancel" : "liquidatable; auto margin is off"
        }
        return out
    }

    public func info() async throws -> Copytrade_V1_ModuleInfo {
        ModuleInfo.make(module: "margin", capabilities: MarginPreset.allCases.map(\.rawValue) + ["policy:fixed", "cross"])
    }
}
