import CopyTradeProto

extension Copytrade_V1_SkipReason {
    /// Stable snake_case name, as recorded in history and printed by the calculators.
    public var name: String {
        switch self {
        case .belowMinQuantity: "below_min_quantity"
        case .belowMinNotional: "below_min_notional"
        case .insufficientBalance: "insufficient_balance"
        case .paused: "paused"
        case .maxMarginPerOrder: "max_margin_per_order"
        case .maxTotalMargin: "max_total_margin"
        case .unspecified, .UNRECOGNIZED: "unspecified"
        }
    }
}

extension Copytrade_V1_SyncOutcome {
    /// Stable snake_case name, as recorded in history and printed by the calculators.
    public var name: String {
        switch self {
        case .applied: "applied"
        case .capped: "capped"
        case .insufficientBalance: "insufficient_balance"
        case .stale: "stale"
        case .outOfScope: "out_of_scope"
        case .notIsolated: "not_isolated"
        case .notEligible: "not_eligible"
        case .nothingToApply: "nothing_to_apply"
        case .unspecified, .UNRECOGNIZED: "unspecified"
        }
    }
}
