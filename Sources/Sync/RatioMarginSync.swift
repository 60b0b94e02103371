import CopyTradeCore

/// The reference policy of SPEC §5: the copier moves `D * Mc / Mt` (the trader's ratio applied to
/// its own margin), computed exactly and rounded toward zero once, so rounding never creates money.
///
/// Commutation: two adds with trader ratios `r1`, `r2` take the copier to `Mc*(1+r1)*(1+r2)` in
/// either order, up to truncation. Each truncation loses less than 1e-8 and the first one is scaled
/// by `1 + r_second`, so the orders differ by less than `(2 + max r)` units of 1e-8 — at most 2e-8
/// when no adjustment more than doubles the margin — and are equal when every product is exact.
/// A cap or an insufficient balance breaks this, as SPEC §5 says.
public struct RatioMarginSync: MarginSyncPolicy {
    /// SPEC's staleness limit: 60 s.
    public static let defaultMaxDelay: Millis = 60_000

    /// Longest accepted delay from occurrence to receipt; a delay exactly equal is not stale.
    public var maxDelay: Millis

    /// A policy with the given staleness limit (≥ 0).
    public init(maxDelay: Millis = RatioMarginSync.defaultMaxDelay) throws(DomainError) {
        guard maxDelay >= 0 else { throw DomainError.invalid("maxDelay", "must not be negative, got \(maxDelay)") }
        self.maxDelay = maxDelay
    }

    /// Checks, in order: eligibility, isolated mode on both sides, scope (a signal occurring in the
    /// same millisecond as the relation was established is in scope), staleness, a delta rounding to
    /// zero, then the add (all or nothing against the available balance) or the reduce (at most
    /// the maximum reducible; a limit of 0 gives `capped` with 0).
    public func decide(_ signal: MarginSyncSignal, _ copier: CopierMarginState) throws(DomainError) -> SyncDecision {
        try signal.validate()
        try copier.validate()
        guard signal.traderEligible else { return SyncDecision(outcome: .notEligible) }
        guard signal.traderMarginMode == .isolated, copier.marginMode == .isolated else {
            return SyncDecision(outcome: .notIsolated)
        }
        guard signal.occurredAt >= copier.relationEstablishedAt else { return SyncDecision(outcome: .outOfScope) }
        if isStale(signal) { return SyncDecision(outcome: .stale) }

        let delta = try (signal.delta.exact * copier.positionMargin.exact)
            .divided(by: signal.traderMarginBefore.exact, rounding: .towardZero)
        if delta.isZero { return SyncDecision(outcome: .nothingToApply) }
        if delta.isPositive {
            guard copier.availableBalance >= delta else {
                return SyncDecision(outcome: .insufficientBalance, proportionalDelta: delta)
            }
            return SyncDecision(outcome: .applied, proportionalDelta: delta, appliedDelta: delta)
        }
        if delta.magnitude <= copier.maxReducible {
            return SyncDecision(outcome: .applied, proportionalDelta: delta, appliedDelta: delta)
        }
        return SyncDecision(outcome: .capped, proportionalDelta: delta, appliedDelta: Decimal8(units: -copier.maxReducible.units))
    }

    /// True when `receivedAt - occurredAt > maxDelay`. A negative delay (clock skew) counts as 0;
    /// a delay too large for `Int64` is stale.
    public func isStale(_ signal: MarginSyncSignal) -> Bool {
        let (delay, overflow) = signal.receivedAt.subtractingReportingOverflow(signal.occurredAt)
        if overflow { return signal.receivedAt > signal.occurredAt }
        return delay > maxDelay
    }
}
