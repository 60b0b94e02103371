import CopyTradeCore

/// Inputs of `copyctl calc liq`: a position and the rates to evaluate it with. Rates come from
/// the symbol (when given) through the preset, then from explicit overrides.
public struct LiquidationInput: Sendable {
    public var preset: String = "bingx"
    public var symbol: String?
    public var side: Side = .long
    public var entry: Decimal8 = .zero
    public var quantity: Decimal8 = .zero
    public var margin: Decimal8 = .zero
    /// The position's leverage; when absent, its effective leverage `q*E/M`, exactly.
    public var leverage: Int?
    public var mmr: Decimal8?
    public var cum: Decimal8?
    public var fee: Decimal8?
    public var maxLeverage: Int?
    public var tick: Decimal8?
    public var mark: Decimal8?
    public init() {}
}

/// Inputs of `copyctl calc size`.
public struct SizeInput: Sendable {
    public enum Mode: String, Sendable { case proportional, fixed }
    public var mode: Mode = .proportional
    public var multiplier: Decimal8?
    public var fixedMargin: Decimal8?
    public var side: Side = .long
    public var fill: Decimal8 = .zero
    public var quantity: Decimal8 = .zero
    public var leverage: Int = 1
    public var symbol: String?
    public var fee: Decimal8?
    public var step: Decimal8?
    /// Tick of the worst price; default the symbol's, else 1e-8.
    public var tick: Decimal8?
    public var minQuantity: Decimal8?
    public var minNotional: Decimal8?
    public var maxLeverage: Int?
    public var slippage: Decimal8?
    public var available: Decimal8?
    public init() {}
}

/// Inputs of `copyctl calc recommend`.
public struct RecommendInput: Sendable {
    public var copierEquity: Decimal8 = .zero
    public var traderEquity: Decimal8 = .zero
    public init() {}
}

/// Inputs of `copyctl calc sync`: one trader signal against one copier position.
public struct SyncInput: Sendable {
    public var traderMarginBefore: Decimal8 = .zero
    public var delta: Decimal8 = .zero
    public var copierMargin: Decimal8 = .zero
    public var available: Decimal8 = .zero
    /// When absent, the copier's whole margin may be reduced.
    public var maxReducible: Decimal8?
    public var occurred: Millis = 0
    public var received: Millis = 0
    public var established: Millis = 0
    public init() {}
}

/// Inputs of `copyctl calc automargin`: a position, the account's available balance, the
/// configured amount A, and the mark path to walk.
public struct AutoMarginInput: Sendable {
    public var position = LiquidationInput()
    public var available: Decimal8 = .zero
    public var amount: Decimal8 = .zero
    public var path: [Decimal8] = []
    /// Margin held by pending orders on the symbol, released by the first cancellation.
    public var orderMargin: Decimal8 = .zero
    public init() {}
}

/// Inputs of `copyctl calc tpsl`: one copy's entry and leverage, and the take-profit and/or
/// stop-loss ratio (each on the initial margin, so the trigger depends on nothing else).
public struct TriggerInput: Sendable {
    public var side: Side = .long
    public var entry: Decimal8 = .zero
    public var leverage: Int = 1
    /// At least one of the two ratios is required; a ratio left out is "off".
    public var takeProfitRatio: Decimal8?
    public var stopLossRatio: Decimal8?
    /// The symbol whose tick the prices are rounded to (and whose maximum leverage applies).
    public var symbol: String?
    /// Tick size; replaces the symbol's. Neither: 1e-8, the exact price's own precision.
    public var tick: Decimal8?
    public init() {}
}

/// Inputs of `copyctl calc share`: one relation's profit-share settlement.
public struct ShareInput: Sendable {
    /// The relation's cumulative net profit N (realized PnL minus all fees).
    public var net: Decimal8 = .zero
    /// The trader's profit-share ratio r, 0 to 0.5.
    public var ratio: Decimal8 = .zero
    /// What the relation already shared (its high-water mark).
    public var shared: Decimal8 = .zero
    /// The copier's available balance; nil: unlimited, so the settlement is never short.
    public var available: Decimal8?
    public init() {}
}
