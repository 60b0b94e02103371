import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// Conversions between the sync wire messages and the domain types.
public enum SyncWire {
    public static func signal(_ w: Copytrade_V1_MarginSignal) throws(DomainError) -> MarginSyncSignal {
        MarginSyncSignal(id: w.signalID, trader: AccountID(w.traderID), traderPosition: w.traderPositionID,
                         traderMarginBefore: Decimal8(e8: w.traderMarginBeforeE8), delta: Decimal8(e8: w.deltaE8),
                         occurredAt: w.occurredMs, receivedAt: w.receivedMs,
                         traderMarginMode: MarginMode(wire: w.traderMarginMode), traderEligible: w.traderEligible)
    }

    public static func wire(_ s: MarginSyncSignal) -> Copytrade_V1_MarginSignal {
        var w = Copytrade_V1_MarginSignal()
        w.signalID = s.id
        w.traderID = s.trader.rawValue
        w.traderPositionID = s.traderPosition
        w.traderMarginBeforeE8 = s.traderMarginBefore.e8
        w.deltaE8 = s.delta.e8
        w.occurredMs = s.occurredAt
        w.receivedMs = s.receivedAt
        w.traderMarginMode = s.traderMarginMode.wire
        w.traderEligible = s.traderEligible
        return w
    }

    static func copier(_ w: Copytrade_V1_CopierMargin, field: String) throws(DomainError) -> CopierMarginState {
        CopierMarginState(copier: AccountID(w.copierID), position: w.positionID, positionMargin: Decimal8(e8: w.marginE8),
                          availableBalance: Decimal8(e8: w.availableE8), maxReducible: Decimal8(e8: w.maxReducibleE8),
                          relationEstablishedAt: w.establishedMs, marginMode: MarginMode(wire: w.marginMode))
    }

    /// A copier's state to the wire (the inverse of ``copier(_:field:)``).
    public static func wire(_ c: CopierMarginState) -> Copytrade_V1_CopierMargin {
        var w = Copytrade_V1_CopierMargin()
        w.copierID = c.copier.rawValue
        w.positionID = c.position
        w.marginE8 = c.positionMargin.e8
        w.availableE8 = c.availableBalance.e8
        w.maxReducibleE8 = c.maxReducible.e8
        w.establishedMs = c.relationEstablishedAt
        w.marginMode = c.marginMode.wire
        return w
    }

    static func wire(_ d: SyncDecision) -> Copytrade_V1_SyncDecision {
        var w = Copytrade_V1_SyncDecision()
        w.outcome = wire(d.outcome)
        w.copierDeltaE8 = d.appliedDelta.e8
        w.reason = d.message
        return w
    }

    public static func wire(_ o: SyncOutcome) -> Copytrade_V1_SyncOutcome {
        switch o {
        case .applied: .applied
        case .capped: .capped
        case .insufficientBalance: .insufficientBalance
        case .stale: .stale
        case .outOfScope: .outOfScope
        case .notIsolated: .notIsolated
        case .notEligible: .notEligible
        case .nothingToApply: .nothingToApply
        }
    }

    public static func phase(_ w: Copytrade_V1_RolloutPhase, index i: Int) throws(DomainError) -> RolloutPhase {
        let rule: RolloutRule
        switch w.rule {
        case .markets: rule = .markets(Set(w.values))
        case .regions: rule = .regions(Set(w.values))
        case .share: rule = .share(Decimal8(e8: w.shareE8))
        case .everyone: rule = .everyone
        case .unspecified, .UNRECOGNIZED: throw DomainError.invalid("phases[\(i)].rule", "must be markets, regions, share or everyone")
        }
        return RolloutPhase(name: w.name, startsAt: w.startsMs, rule: rule,
                            withinMarkets: Set(w.withinMarkets), withinRegions: Set(w.withinRegions))
    }

    /// A phase to the wire (the inverse of ``phase(_:index:)``); listed markets and regions are
    /// sorted, so the same plan is always the same message.
    public static func wire(_ p: RolloutPhase) -> Copytrade_V1_RolloutPhase {
        var w = Copytrade_V1_RolloutPhase()
        w.name = p.name
        w.startsMs = p.startsAt
        switch p.rule {
        case .markets(let m):
            w.rule = .markets
            w.values = m.sorted()
        case .regions(let r):
            w.rule = .regions
            w.values = r.sorted()
        case .share(let s):
            w.rule = .share
            w.shareE8 = s.e8
        case .everyone:
            w.rule = .everyone
        }
        w.withinMarkets = p.withinMarkets.sorted()
        w.withinRegions = p.withinRegions.sorted()
        return w
    }
}
