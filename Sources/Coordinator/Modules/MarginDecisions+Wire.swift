import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime

/// The margin module out of process (a `copytrade-module margin`, or a plugin such as the C
/// one) behind its wire API: the only place the engine's margin questions become protobuf.
/// Answers are read back as given; the engine's guards judge them (docs/decisions.md, "Guards
/// against any module").
public struct MarginOverWire: MarginDecisions {
    public let api: any MarginAPI

    public init(_ api: any MarginAPI) { self.api = api }

    public func evaluate(_ check: PositionCheck) async throws -> PositionFigures {
        Self.figures(try await api.evaluate(Self.request(check)), mark: check.mark)
    }

    public func evaluate(all checks: [PositionCheck]) async throws -> [Result<PositionFigures, ModuleRefusal>] {
        var batch = Copytrade_V1_EvaluateBatchRequest()
        batch.requests = checks.map(Self.request)
        let answer = try await api.evaluateBatch(batch)
        return answer.evaluations.enumerated().map { i, e in
            if i < answer.errors.count, !answer.errors[i].isEmpty { return .failure(ModuleRefusal(answer.errors[i])) }
            return .success(Self.figures(e, mark: i < checks.count ? checks[i].mark : nil))
        }
    }

    public func evaluateCross(_ check: CrossCheck) async throws -> CrossFigures {
        var r = Copytrade_V1_EvaluateAccountRequest()
        r.preset = check.preset.rawValue
        r.walletBalanceE8 = check.crossWallet.e8
        for p in check.positions {
            r.positions.append(MarginWire.wire(p.position))
            r.risks.append(MarginWire.wire(p.risk))
            r.markPricesE8.append(p.mark.e8)
        }
        let e = try await api.evaluateAccount(r)
        return CrossFigures(equity: Decimal8(e8: e.equityE8), totalRequirement: Decimal8(e8: e.maintenanceRequirementE8),
                            riskRate: e.riskInfinite ? .infinite : .finite(Decimal8(e8: e.riskRateE8)), isLiquidatable: e.liquidatable)
    }

    public func decideAutoMargin(_ q: AutoMarginQuestion) async throws -> AutoMarginAnswer {
        var r = Copytrade_V1_AutoMarginRequest()
        r.preset = q.preset.rawValue
        r.position = MarginWire.wire(q.situation.position)
        r.risk = MarginWire.wire(q.situation.risk)
        r.markPriceE8 = q.situation.mark.e8
        r.availableE8 = q.situation.available.e8
        r.cancellableOrderMarginE8 = q.situation.cancellableOrderMargin.e8
        r.autoMarginEnabled = q.enabled
        r.policy = q.policy
        r.targetRiskRateE8 = q.targetRiskRate.units
        r.amountE8 = q.amount.e8
        let d = try await api.decideAutoMargin(r)
        let action: AutoMarginAction?
        switch d.action {
        case .none: action = AutoMarginAction.none
        case .cancelOrders: action = .cancelOrders(releasing: q.situation.cancellableOrderMargin)
        case .addMargin: action = .addMargin(amount: Decimal8(e8: d.addAmountE8))
        case .liquidate: action = .liquidate
        // No action named: nil, which the engine refuses as a module fault.
        case .unspecified, .UNRECOGNIZED: action = nil
        }
        return AutoMarginAnswer(action: action, figures: Self.figures(d.evaluation, mark: q.situation.mark))
    }

    /// The wire request for a check.
    static func request(_ check: PositionCheck) -> Copytrade_V1_EvaluateRequest {
        var r = Copytrade_V1_EvaluateRequest()
        r.preset = check.preset.rawValue
        r.position = MarginWire.wire(check.position)
        r.risk = MarginWire.wire(check.risk)
        if let mark = check.mark {
            r.hasMark_p = true
            r.markPriceE8 = mark.e8
        }
        return r
    }

    /// A wire evaluation read back; `mark` is the one asked about (the answer does not repeat it).
    static func figures(_ w: Copytrade_V1_Evaluation, mark: Decimal8?) -> PositionFigures {
        let liquidation = w.hasLiquidationPrice_p
            ? LiquidationPrice(exact: Decimal8(e8: w.liquidationPriceE8), onTick: Decimal8(e8: w.liquidationPriceRoundedE8)) : nil
        var atMark: MarkFigures?
        if w.hasMark_p {
            atMark = MarkFigures(mark: mark ?? .zero, maintenanceRequirement: Decimal8(e8: w.maintenanceRequirementE8),
                                 unrealizedPnL: Decimal8(e8: w.unrealizedPnlE8), marginBalance: Decimal8(e8: w.marginBalanceE8),
                                 riskRate: w.riskInfinite ? .infinite : .finite(Decimal8(e8: w.riskRateE8)),
                                 isLiquidatable: w.liquidatable, maxReducibleMargin: Decimal8(e8: w.maxReducibleE8))
        }
        return PositionFigures(liquidationPrice: liquidation, bankruptcyPrice: w.bankruptcyPriceE8 == 0 ? nil : Decimal8(e8: w.bankruptcyPriceE8),
                               atMark: atMark)
    }

    /// Figures to the wire, as ``MarginHandler`` answers them (for the views, which answer in
    /// wire types).
    static func wire(_ f: PositionFigures) -> Copytrade_V1_Evaluation {
        MarginWire.wire(liquidationPrice: f.liquidationPrice, bankruptcyPrice: f.bankruptcyPrice, atMark: f.atMark)
    }

    /// Cross figures to the wire, as ``MarginHandler`` answers them (for the views).
    static func wire(_ f: CrossFigures) -> Copytrade_V1_AccountEvaluation {
        var out = Copytrade_V1_AccountEvaluation()
        out.equityE8 = f.equity.e8
        out.maintenanceRequirementE8 = f.totalRequirement.e8
        out.riskRateE8 = f.riskRate.value?.e8 ?? 0
        out.riskInfinite = f.riskRate.value == nil
        out.liquidatable = f.isLiquidatable
        return out
    }
}

extension MarginDecisions {
    /// A wire evaluation request answered through the domain interface, for the sequencer's
    /// position views (Sources/Coordinator/Sequencer/Sequencer+Queries.swift), which read and
    /// answer in wire types.
    public func evaluate(_ r: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation {
        let check = PositionCheck(preset: try MarginPreset(parsing: r.preset.isEmpty ? "bingx" : r.preset),
                                  position: try MarginWire.position(r.position), risk: try MarginWire.risk(r.risk),
                                  mark: r.hasMark_p ? Decimal8(e8: r.markPriceE8) : nil)
        return MarginOverWire.wire(try await evaluate(check))
    }
}
