import CopyTradeCore
import Margin

/// The built-in margin module called directly: the preset's ``MarginStrategy`` and the
/// ``AutoMarginPolicy`` the question names, the same rules ``MarginHandler`` serves on the wire.
public struct InProcessMargin: MarginDecisions {
    public init() {}

    public func evaluate(_ check: PositionCheck) async throws -> PositionFigures {
        try figures(check)
    }

    public func evaluate(all checks: [PositionCheck]) async throws -> [Result<PositionFigures, ModuleRefusal>] {
        var out: [Result<PositionFigures, ModuleRefusal>] = []
        out.reserveCapacity(checks.count)
        for check in checks {
            do {
                out.append(.success(try figures(check)))
            } catch {
                out.append(.failure(ModuleRefusal(error.description)))
            }
        }
        return out
    }

    func figures(_ check: PositionCheck) throws(DomainError) -> PositionFigures {
        PositionFigures(try check.preset.strategy.evaluate(check.position, risk: check.risk, mark: check.mark))
    }

    public func evaluateCross(_ check: CrossCheck) async throws -> CrossFigures {
        CrossFigures(try check.preset.strategy.evaluateCross(walletBalance: check.crossWallet, positions: check.positions))
    }

    public func decideAutoMargin(_ q: AutoMarginQuestion) async throws -> AutoMarginAnswer {
        let strategy = q.preset.strategy
        let policy: any AutoMarginPolicy
        if !q.enabled {
            policy = NoAutoMargin()
        } else {
            switch q.policy {
            case "", "fixed": policy = try FixedAmountAutoMargin(amount: q.amount)
            default: throw DomainError(.unimplemented, field: "policy", "the built-in margin module has no policy \"\(q.policy)\" (it has: fixed)")
            }
        }
        try q.situation.validate()
        let action = try policy.decide(q.situation, strategy: strategy)
        let s = q.situation
        return AutoMarginAnswer(action: action, figures: PositionFigures(try strategy.evaluate(s.position, risk: s.risk, mark: s.mark)))
    }
}
