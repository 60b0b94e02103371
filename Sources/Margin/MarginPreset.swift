import CopyTradeCore

/// Public exchange rule sets (SPEC §3). A preset picks the formula family and which of
/// `mmr`, `cum` and `f` count; the tier table itself always comes from the market file.
public enum MarginPreset: String, Sendable, Hashable, Codable, CaseIterable {
    /// The reference exchange (default): mark-value model, `f` = taker fee, tiered `mmr`/`cum`.
    case bingx
    /// Binance-style: mark-value model, `f = 0`, tiered `mmr`/`cum`.
    case binance
    /// OKX/Gate-style: mark-value model, tiered `mmr`, `cum = 0`, `f` = taker fee (OKX's margin
    /// ratio counts the fee to close the position in the maintenance side).
    case okx
    /// Bybit-style: entry-value model, `MM = q*E*mmr - cum`, `f = 0`.
    case bybit
    /// Hyperliquid-style: mark-value model, one tier with `mmr = 1/(2*maxLeverage)` (half-even
    /// to 8 places), `cum = 0`, `f = 0`.
    case hyperliquid

    /// The preset used when none is named.
    public static let `default` = MarginPreset.bingx

    /// Parses a preset name (case-insensitive); an unknown name lists the valid ones.
    public init(parsing text: String, field: String = "preset") throws(DomainError) {
        guard let preset = MarginPreset(rawValue: text.lowercased()) else {
            let valid = MarginPreset.allCases.map(\.rawValue).joined(separator: ", ")
            throw DomainError.invalid(field, "must be one of \(valid), got \"\(text)\"")
        }
        self = preset
    }

    /// The formula family of this preset.
    public var strategy: any MarginStrategy {
        switch self {
        case .bybit: EntryValueModel()
        case .bingx, .binance, .okx, .hyperliquid: MarkValueModel()
        }
    }
}

/// The risk parameters of `spec` under `preset`, with `overrides` applied on top.
public func riskParameters(for spec: SymbolSpec, preset: MarginPreset,
                           overrides: RiskOverrides = RiskOverrides()) throws(DomainError) -> RiskParameters {
    var tiers = spec.tiers
    var fee = Decimal8.zero
    switch preset {
    case .bingx:
        fee = spec.takerFeeRate
    case .binance, .bybit:
        break
    case .okx:
        fee = spec.takerFeeRate
        tiers = tiers.map { MaintenanceTier(notionalCeiling: $0.notionalCeiling, mmr: $0.mmr, cum: .zero, maxLeverage: $0.maxLeverage) }
    case .hyperliquid:
        let mmr = try ExactDecimal.one.divided(by: ExactDecimal(integer: 2 * spec.maxLeverage), rounding: .halfEven)
        tiers = [MaintenanceTier(notionalCeiling: .max, mmr: mmr, cum: .zero, maxLeverage: spec.maxLeverage)]
    }
    let risk = RiskParameters(tiers: tiers, feeRate: fee, maxLeverage: spec.maxLeverage, tickSize: spec.tickSize,
                              overrides: overrides)
    try risk.validate()
    return risk
}
