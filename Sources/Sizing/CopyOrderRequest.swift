import CopyTradeCore

/// The market rules sizing needs: a flat, allocation-free subset of ``SymbolSpec``.
public struct CopySymbolRules: Sendable, Hashable {
    /// Quantity increment; order quantities round down to it.
    public var stepSize: Decimal8
    /// Price increment for the worst acceptable price; `nil` keeps 1e-8 precision.
    public var tickSize: Decimal8?
    /// Smallest order quantity the market accepts.
    public var minQuantity: Decimal8
    /// Smallest order notional (quantity × price) the market accepts.
    public var minNotional: Decimal8
    /// Highest leverage a copier may use on this symbol.
    public var maxLeverage: Int
    /// Taker fee rate `f`, paid on opening.
    public var takerFeeRate: Decimal8

    public init(stepSize: Decimal8, tickSize: Decimal8?, minQuantity: Decimal8, minNotional: Decimal8,
                maxLeverage: Int, takerFeeRate: Decimal8) {
        self.stepSize = stepSize
        self.tickSize = tickSize
        self.minQuantity = minQuantity
        self.minNotional = minNotional
        self.maxLeverage = maxLeverage
        self.takerFeeRate = takerFeeRate
    }

    /// The sizing rules of a full symbol spec.
    public init(_ spec: SymbolSpec) {
        self.init(stepSize: spec.stepSize, tickSize: spec.tickSize, minQuantity: spec.minQuantity,
                  minNotional: spec.minNotional, maxLeverage: spec.maxLeverage, takerFeeRate: spec.takerFeeRate)
    }
}

/// The copy relation's switches and caps that can skip an order (SPEC §4).
public struct CopyRelationLimits: Sendable, Hashable {
    /// A paused relation copies nothing.
    public var isPaused: Bool
    /// Largest margin one copied order may use; `nil` is no cap.
    public var maxMarginPerOrder: Decimal8?
    /// Largest margin all open copies of this relation may use together; `nil` is no cap.
    public var maxTotalCopyMargin: Decimal8?
    /// Margin already used by this relation's open copies (counts against `maxTotalCopyMargin`).
    public var currentTotalCopyMargin: Decimal8

    public init(isPaused: Bool = false, maxMarginPerOrder: Decimal8? = nil, maxTotalCopyMargin: Decimal8? = nil,
                currentTotalCopyMargin: Decimal8 = .zero) {
        self.isPaused = isPaused
        self.maxMarginPerOrder = maxMarginPerOrder
        self.maxTotalCopyMargin = maxTotalCopyMargin
        self.currentTotalCopyMargin = currentTotalCopyMargin
    }

    /// An active relation without caps.
    public static let unrestricted = CopyRelationLimits()
}

/// Everything needed to size one copier's order for one trader fill.
public struct CopyOrderRequest: Sendable, Hashable {
    /// The trader's (and so the copier's) opening side.
    public var side: Side
    /// The trader's fill price `F`.
    public var fillPrice: Decimal8
    /// The trader's filled quantity `Qt`.
    public var traderQuantity: Decimal8
    /// Proportional or fixed-margin sizing.
    public var mode: CopyMode
    /// The copier's own leverage `L` on this symbol.
    public var leverage: Int
    /// Market rules of the symbol.
    public var rules: CopySymbolRules
    /// Slippage-protection ratio `k`, in [0, 1).
    public var slippage: Decimal8
    /// The relation's pause switch and caps.
    public var relation: CopyRelationLimits
    /// The copier's available balance; `nil` skips the balance check (e.g. for a calculator).
    public var availableBalance: Decimal8?

    public init(side: Side, fillPrice: Decimal8, traderQuantity: Decimal8, mode: CopyMode, leverage: Int,
                rules: CopySymbolRules, slippage: Decimal8, relation: CopyRelationLimits = .unrestricted,
                availableBalance: Decimal8? = nil) {
        self.side = side
        self.fillPrice = fillPrice
        self.traderQuantity = traderQuantity
        self.mode = mode
        self.leverage = leverage
        self.rules = rules
        self.slippage = slippage
        self.relation = relation
        self.availableBalance = availableBalance
    }
}
