import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

extension Engine {
    /// A trader (or any account) opens or adds to its own position at a fill price; every
    /// active follower's order is sized and filled at the same price (SPEC §4).
    func open(_ r: Copytrade_V1_OpenRequest, _ tx: inout EngineTransaction) async throws {
        let account = try requireAccount(r.accountID, tx)
        try requireTrader(account, to: "open")
        let spec = try spec(r.symbol)
        let side = try Side(wire: r.side, field: "side")
        let quantity = try positive(r.quantityE8, "quantity")
        let price = try positive(r.priceE8, "price")
        guard quantity.isMultiple(of: spec.stepSize) else {
            throw DomainError.invalid("quantity", "must be a multiple of the step \(spec.stepSize)")
        }
        guard quantity >= spec.minQuantity else { throw DomainError.invalid("quantity", "must be at least \(spec.minQuantity)") }
        guard price.isMultiple(of: spec.tickSize) else { throw DomainError.invalid("price", "must be a multiple of the tick \(spec.tickSize)") }
        let leverage = Int(r.leverage)
        guard (1...spec.maxLeverage).contains(leverage) else {
            throw DomainError.invalid("leverage", "must be between 1 and \(spec.maxLeverage) for \(spec.symbol)")
        }
        let mode = try MarginMode(wire: r.marginMode, field: "marginMode")
        let existing = tx.ownPosition(account: account.id, symbol: spec.symbol)
        if let e = existing {
            guard e.side == side else {
                throw DomainError(.failedPrecondition, field: "side", "\(account.id) holds a \(e.side.rawValue) \(spec.symbol) position; close it first")
            }
            guard e.mode == mode else {
                throw DomainError(.failedPrecondition, field: "marginMode", "the open position is \(e.mode.rawValue)")
            }
        }
        let cost = try openingCost(quantity: quantity, price: price, leverage: existing?.leverage ?? leverage, feeRate: spec.takerFeeRate)
        let available = try tx.available(account.id)
        let needed = try cost.margin + cost.fee
        guard needed <= available else {
            throw DomainError(.failedPrecondition, field: "quantity", "margin plus fee \(needed) is more than the available balance \(available)")
        }
        let at = occurred(r.atMs, tx)
        let position = try await fill(account: account.id, existing: existing, symbol: spec.symbol, side: side, quantity: quantity,
                                      price: price, leverage: leverage, mode: mode, margin: cost.margin, fee: cost.fee, at: at, tx: &tx)
        tx.created(position.id)
        tx.event(existing == nil ? .positionOpened : .positionIncreased, account: account.id, symbol: spec.symbol,
                 position: position.id, amount: cost.margin, price: price, quantity: quantity,
                 detail: "\(side.rawValue) \(leverage)x fee \(cost.fee)")
        try await requireCrossSafe(account.id, field: "quantity", tx: tx)
        // Nor may an open leave its own isolated position liquidatable at the current mark (a
        // fill price far from the mark): it would be liquidated by the next tick.
        if position.mode == .isolated, let mark = tx.mark(spec.symbol) {
            let e = try await evaluate(position, mark: mark.price)
            if e.atMark?.isLiquidatable == true {
                throw DomainError(.failedPrecondition, field: "price",
                                  "the position would be liquidatable at the current mark \(mark.price) (liquidation price \(e.liquidationPrice?.onTick ?? .zero)); fill nearer the mark or with lower leverage")
            }
        }
        let mark = tx.mark(spec.symbol)
        try await copyOpen(trader: account.id, traderPosition: position, fill: price, quantity: quantity, mark: mark, filledMs: at, tx: &tx)
        // Copiers on other shards get the same fill, with the mark it saw (docs/sharding.md).
        var fill = Copytrade_V1_CopyFill()
        fill.traderID = account.id
        fill.traderPositionID = position.id
        fill.symbol = spec.symbol
        fill.side = side.wire
        fill.priceE8 = price.e8
        fill.quantityE8 = quantity.e8
        fill.openedMs = position.openedMs
        fill.filledMs = at
        if let mark { fill.mark = mark.wire(spec.symbol) }
        tx.broadcast(.copyFill(fill))
    }

    /// Books a fill: pays the fee, creates or grows the position (entry averaged exactly,
    /// half-even to 8 places), and refreshes its liquidation price. A copy (`copiedFrom` set)
    /// is returned without its liquidation price and not yet put: its fan-out prices every copy
    /// in one batch and puts each once (``copyOpen(trader:traderPosition:fill:quantity:mark:filledMs:only:note:tx:)``).
    func fill(account: String, existing: PositionRecord?, symbol: String, side: Side, quantity: Decimal8, price: Decimal8,
              leverage: Int, mode: MarginMode, margin: Decimal8, fee: Decimal8, at: Millis,
              copiedFrom: String? = nil, relationID: String? = nil, autoMargin: Decimal8? = nil,
              tx: inout EngineTransaction) async throws -> PositionRecord {
        guard var a = tx.account(account) else { throw DomainError.notFound("account", "no account \"\(account)\"") }
        a.wallet = try a.wallet - fee
        a.fees = try a.fees + fee
        tx.put(a)
        var p: PositionRecord
        if var e = existing {
            e.openFees = try e.openFees + fee
            let total = try e.quantity + quantity
            let value = try e.quantity.exact * e.entry.exact + quantity.exact * price.exact
            e.entry = try value.divided(by: total.exact, rounding: .halfEven)
            e.quantity = total
            e.margin = try e.margin + margin
            p = e
        } else {
            p = PositionRecord(id: tx.newID("p"), account: account, symbol: symbol, side: side, quantity: quantity, entry: price,
                               margin: margin, leverage: leverage, mode: mode, autoMargin: autoMargin,
                               copiedFrom: copiedFrom, relationID: relationID, openedMs: at)
            p.openFees = fee
        }
        if copiedFrom == nil {
            p = try await withLiquidationPrice(p)
            tx.put(p)
        }
        return p
    }
}
