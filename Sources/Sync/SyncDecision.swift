import CopyTradeCore

/// What happened for one copier on one signal (SPEC §5); every outcome is recorded.
public enum SyncOutcome: String, Sendable, Hashable, CaseIterable, Codable {
    /// The whole copier delta is applied.
    case applied
    /// A reduction limited to the position's maximum reducible margin (possibly 0).
    case capped
    /// An addition the available balance cannot cover in full; nothing is added.
    case insufficientBalance
    /// Received more than the staleness limit (default 60 s) after it occurred; dropped.
    case stale
    /// Occurred before the copy relation was established; never applied retroactively.
    case outOfScope
    /// The trader's or the copier's position is in cross mode.
    case notIsolated
    /// The trader was not eligible under the rollout plan at the signal's occurrence time.
    case notEligible
    /// The proportional delta rounds toward zero to 0.
    case nothingToApply
}

/// One copier's decision: the outcome, the proportional delta and what to move.
public struct SyncDecision: Sendable, Hashable {
    /// The outcome.
    public var outcome: SyncOutcome
    /// `D*Mc/Mt` rounded toward zero to 1e-8, signed; 0 when the decision stopped before computing it
    /// (not eligible, not isolated, out of scope, stale).
    public var proportionalDelta: Decimal8
    /// Signed margin to move into the copier's position (+ from the available balance, − back to it);
    /// 0 when nothing moves.
    public var appliedDelta: Decimal8

    public init(outcome: SyncOutcome, proportionalDelta: Decimal8 = .zero, appliedDelta: Decimal8 = .zero) {
        self.outcome = outcome
        self.proportionalDelta = proportionalDelta
        self.appliedDelta = appliedDelta
    }

    /// True when margin moves (applied, or capped above zero).
    public var movesMargin: Bool { !appliedDelta.isZero }

    /// A sentence for the event history; built on demand so decisions allocate nothing.
    public var message: String {
        switch outcome {
        case .applied: "applied \(appliedDelta)"
        case .capped: "reduction of \(proportionalDelta) capped to \(appliedDelta) by the maximum reducible margin"
        case .insufficientBalance: "available balance cannot cover the addition of \(proportionalDelta)"
        case .stale: "signal received too long after it occurred"
        case .outOfScope: "signal occurred before the copy relation was established"
        case .notIsolated: "trader or copier position is not in isolated margin mode"
        case .notEligible: "trader was not eligible for margin sync when the signal occurred"
        case .nothingToApply: "the proportional delta rounds to 0"
        }
    }
}
