import CopyTradeCore
import Margin

/// The margin module as the engine asks it, in domain values (docs/decisions.md, "Coordinator").
/// ``InProcessMargin`` runs the module's ``MarginStrategy`` and ``AutoMarginPolicy`` directly;
/// ``MarginOverWire`` speaks `copytrade.v1.Margin` to a module or plugin out of process.
public protocol MarginDecisions: Sendable {
    /// The figures of one isolated position; a refusal throws the module's ``DomainError``.
    func evaluate(_ check: PositionCheck) async throws -> PositionFigures
    /// The figures of many isolated positions (a fan-out), one answer per check in order; the
    /// engine checks the count, since a remote module may answer any number.
    func evaluate(all checks: [PositionCheck]) async throws -> [Result<PositionFigures, ModuleRefusal>]
    /// An account's cross positions backed by its cross wallet.
    func evaluateCross(_ check: CrossCheck) async throws -> CrossFigures
    /// The next auto-margin step for a liquidatable (or not) isolated position.
    func decideAutoMargin(_ question: AutoMarginQuestion) async throws -> AutoMarginAnswer
}

/// One isolated position to evaluate: its state, the rates of its symbol under the preset, and
/// a mark when the figures at a price are wanted.
public struct PositionCheck: Sendable, Hashable {
    public var preset: MarginPreset
    public var position: PositionState
    public var risk: RiskParameters
    public var mark: Decimal8?

    public init(preset: MarginPreset, position: PositionState, risk: RiskParameters, mark: Decimal8?) {
        self.preset = preset
        self.position = position
        self.risk = risk
        self.mark = mark
    }
}

/// What the margin module says of one isolated position: the liquidation price the engine
/// stores, the bankruptcy price a liquidation closes at, and the figures at the mark when one
/// was given. The part of ``MarginEvaluation`` a module answers on the wire too.
public struct PositionFigures: Sendable, Hashable {
    public var liquidationPrice: LiquidationPrice?
    public var bankruptcyPrice: Decimal8?
    public var atMark: MarkFigures?

    public init(liquidationPrice: LiquidationPrice?, bankruptcyPrice: Decimal8?, atMark: MarkFigures?) {
        self.liquidationPrice = liquidationPrice
        self.bankruptcyPrice = bankruptcyPrice
        self.atMark = atMark
    }

    public init(_ e: MarginEvaluation) {
        self.init(liquidationPrice: e.liquidationPrice, bankruptcyPrice: e.bankruptcyPrice, atMark: e.atMark)
    }
}

/// An account's cross positions, each at its mark, backed by the cross wallet (the wallet less
/// isolated margins and order holds).
public struct CrossCheck: Sendable, Hashable {
    public var preset: MarginPreset
    public var crossWallet: Decimal8
    public var positions: [CrossPositionInput]

    public init(preset: MarginPreset, crossWallet: Decimal8, positions: [CrossPositionInput]) {
        self.preset = preset
        self.crossWallet = crossWallet
        self.positions = positions
    }
}

/// The account-level part of a ``CrossEvaluation``: what the engine decides with and shows.
public struct CrossFigures: Sendable, Hashable {
    public var equity: Decimal8
    public var totalRequirement: Decimal8
    public var riskRate: RiskRate
    public var isLiquidatable: Bool

    public init(equity: Decimal8, totalRequirement: Decimal8, riskRate: RiskRate, isLiquidatable: Bool) {
        self.equity = equity
        self.totalRequirement = totalRequirement
        self.riskRate = riskRate
        self.isLiquidatable = isLiquidatable
    }

    public init(_ e: CrossEvaluation) {
        self.init(equity: e.equity, totalRequirement: e.totalRequirement, riskRate: e.riskRate, isLiquidatable: e.isLiquidatable)
    }
}

/// One auto-margin step to decide (SPEC §3): the position's situation and the owner's setting.
/// `policy` names the module's policy ("" is its default); `amount` is the owner's `A`.
public struct AutoMarginQuestion: Sendable, Hashable {
    public var preset: MarginPreset
    public var situation: AutoMarginSituation
    public var enabled: Bool
    public var policy: String
    public var amount: Decimal8
    /// For target-risk policies (a plugin's); zero: the module's default.
    public var targetRiskRate: Decimal8

    public init(preset: MarginPreset, situation: AutoMarginSituation, enabled: Bool, policy: String, amount: Decimal8,
                targetRiskRate: Decimal8) {
        self.preset = preset
        self.situation = situation
        self.enabled = enabled
        self.policy = policy
        self.amount = amount
        self.targetRiskRate = targetRiskRate
    }
}

/// The module's step and its figures for the position before it. `action` is nil when a
/// (remote) module named no action: the engine refuses that as a module fault, never reads it
/// as "do nothing" (docs/decisions.md, "Guards against any module").
public struct AutoMarginAnswer: Sendable, Hashable {
    public var action: AutoMarginAction?
    public var figures: PositionFigures

    public init(action: AutoMarginAction?, figures: PositionFigures) {
        self.action = action
        self.figures = figures
    }
}
