import CopyTradeCore
import CopyTradeProto

/// `SymbolSpec` ↔ `copytrade.v1.SymbolSpec`.
public enum SymbolSpecWire {
    public static func wire(_ s: SymbolSpec) -> Copytrade_V1_SymbolSpec {
        var w = Copytrade_V1_SymbolSpec()
        w.symbol = s.symbol
        w.tickSizeE8 = s.tickSize.e8
        w.stepSizeE8 = s.stepSize.e8
        w.minQuantityE8 = s.minQuantity.e8
        w.minNotionalE8 = s.minNotional.e8
        w.maxLeverage = Int32(clamping: s.maxLeverage)
        w.takerFeeRateE8 = s.takerFeeRate.e8
        w.makerFeeRateE8 = s.makerFeeRate.e8
        w.slippageE8 = s.slippage.e8
        w.tiers = s.tiers.map(wire)
        return w
    }

    public static func wire(_ t: MaintenanceTier) -> Copytrade_V1_MaintenanceTier {
        var w = Copytrade_V1_MaintenanceTier()
        w.notionalCeilingE8 = t.notionalCeiling.e8
        w.mmrE8 = t.mmr.e8
        w.cumE8 = t.cum.e8
        w.maxLeverage = Int32(clamping: t.maxLeverage ?? 0)
        return w
    }

    public static func domain(_ w: Copytrade_V1_MaintenanceTier) -> MaintenanceTier {
        MaintenanceTier(notionalCeiling: Decimal8(e8: w.notionalCeilingE8), mmr: Decimal8(e8: w.mmrE8),
                        cum: Decimal8(e8: w.cumE8), maxLeverage: w.maxLeverage > 0 ? Int(w.maxLeverage) : nil)
    }

    public static func domain(_ w: Copytrade_V1_SymbolSpec) throws(DomainError) -> SymbolSpec {
        let s = SymbolSpec(
            symbol: w.symbol, tickSize: Decimal8(e8: w.tickSizeE8), stepSize: Decimal8(e8: w.stepSizeE8),
            minQuantity: Decimal8(e8: w.minQuantityE8), minNotional: Decimal8(e8: w.minNotionalE8),
            maxLeverage: Int(w.maxLeverage), takerFeeRate: Decimal8(e8: w.takerFeeRateE8),
            makerFeeRate: Decimal8(e8: w.makerFeeRateE8), slippage: Decimal8(e8: w.slippageE8),
            tiers: w.tiers.map(domain))
        try s.validate()
        return s
    }
}

/// `Rounding` ↔ `copytrade.v1.Rounding`.
public enum RoundingWire {
    public static func domain(_ w: Copytrade_V1_Rounding, default d: Rounding) throws(DomainError) -> Rounding {
        switch w {
        case .unspecified: d
        case .down: .down
        case .up: .up
        case .towardZero: .towardZero
        case .awayFromZero: .awayFromZero
        case .halfEven: .halfEven
        case .UNRECOGNIZED(let n): throw DomainError.invalid("rounding", "unknown rounding mode \(n)")
        }
    }
}
