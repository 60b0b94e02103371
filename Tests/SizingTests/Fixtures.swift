import CopyTradeCore
import Sizing

/// BTCUSDT as in SPEC §2: taker 0.0005, tick 0.1, step 0.0001, max leverage 150,
/// minimum quantity 0.001 and minimum notional 5 (exchange-typical).
let btcRules = CopySymbolRules(stepSize: "0.0001", tickSize: "0.1", minQuantity: "0.001", minNotional: "5",
                               maxLeverage: 150, takerFeeRate: "0.0005")
/// An ETHUSDT-like market: step 0.001.
let ethRules = CopySymbolRules(stepSize: "0.001", tickSize: "0.01", minQuantity: "0.001", minNotional: "5",
                               maxLeverage: 100, takerFeeRate: "0.0005")

/// The brief's reference request: BTCUSDT fill 20000 × 0.5, m = 1, L = 10, k = 0.005.
func btcRequest(side: Side = .long, fill: Decimal8 = "20000", quantity: Decimal8 = "0.5",
                mode: CopyMode = .proportional(multiplier: 1), leverage: Int = 10, slippage: Decimal8 = "0.005",
                relation: CopyRelationLimits = .unrestricted, available: Decimal8? = nil,
                rules: CopySymbolRules = btcRules) -> CopyOrderRequest {
    CopyOrderRequest(side: side, fillPrice: fill, traderQuantity: quantity, mode: mode, leverage: leverage,
                     rules: rules, slippage: slippage, relation: relation, availableBalance: available)
}
