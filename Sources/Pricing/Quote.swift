import CopyTradeCore

/// What a caller needs to price an order or a position of one symbol at one moment.
public struct Quote: Sendable, Hashable, Codable {
    public var symbol: String
    /// Latest mark price.
    public var mark: Decimal8
    /// When the mark was observed, ms since the Unix epoch.
    public var markTime: Millis
    public var takerFeeRate: Decimal8
    public var makerFeeRate: Decimal8
    public var tickSize: Decimal8
    public var stepSize: Decimal8

    public init(symbol: String, mark: Decimal8, markTime: Millis, takerFeeRate: Decimal8, makerFeeRate: Decimal8,
                tickSize: Decimal8, stepSize: Decimal8) {
        self.symbol = symbol
        self.mark = mark
        self.markTime = markTime
        self.takerFeeRate = takerFeeRate
        self.makerFeeRate = makerFeeRate
        self.tickSize = tickSize
        self.stepSize = stepSize
    }

    /// The quote of `spec` at `mark`.
    public init(spec: SymbolSpec, mark: MarkPrice) {
        self.init(symbol: spec.symbol, mark: mark.price, markTime: mark.time, takerFeeRate: spec.takerFeeRate,
                  makerFeeRate: spec.makerFeeRate, tickSize: spec.tickSize, stepSize: spec.stepSize)
    }
}
