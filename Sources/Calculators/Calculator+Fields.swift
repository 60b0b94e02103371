import CopyTradeCore

/// Refusals from the modules name their own fields (`fillPrice`, `signal.delta`); a calculator
/// user typed options. These tables translate one into the other so every error names the
/// option to fix.
extension Calculator {
    static let liquidationFields = [
        "quantity": "--qty", "entryPrice": "--entry", "margin": "--margin", "leverage": "--leverage", "mark": "--mark",
        "preset": "--preset", "symbol": "--symbol", "mmr": "--mmr", "cum": "--cum", "feeRate": "--fee",
        "maxLeverage": "--max-leverage", "tickSize": "--tick", "side": "--side", "available": "--available",
        "amount": "--amount", "cancellableOrderMargin": "--order-margin",
    ]
    static let sizeFields = [
        "multiplier": "--multiplier", "fixedMargin": "--fixed-margin", "fillPrice": "--fill", "traderQuantity": "--qty",
        "leverage": "--leverage", "slippage": "--slippage", "availableBalance": "--available", "symbol": "--symbol",
        "rules.stepSize": "--step", "rules.tickSize": "--tick", "rules.takerFeeRate": "--fee", "rules.minQuantity": "--min-qty",
        "rules.minNotional": "--min-notional", "mode": "--mode", "side": "--side",
    ]
    static let recommendFields = ["copierEquity": "--copier-equity", "traderEquity": "--trader-equity"]
    static let syncFields = [
        "signal.traderMarginBefore": "--trader-margin-before", "signal.delta": "--delta",
        "copier.positionMargin": "--copier-margin", "copier.availableBalance": "--available",
        "copier.maxReducible": "--max-reducible", "signal.occurredAt": "--occurred", "signal.receivedAt": "--received",
        "copier.relationEstablishedAt": "--established",
    ]

    /// Runs `body`, renaming the field of a refusal through `fields`. An overflow that no module
    /// named (none should) is named `figure`, the command's result, so no refusal is anonymous.
    func naming<R>(_ fields: [String: String], figure: String, _ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch var e as DomainError {
            if let option = fields[e.field] { e.field = option }
            if e.field.isEmpty, e.code == .overflow { e.field = figure }
            throw e
        }
    }
}
