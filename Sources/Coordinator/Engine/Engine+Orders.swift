import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

extension Engine {
    /// Places a resting limit order that holds its margin plus opening fee at its price out of
    /// the available balance until it is cancelled (orders rest; the engine does not match them).
    func placeOrder(_ r: Copytrade_V1_PlaceOrderRequest, _ tx: inout EngineTransaction) async throws {
        let account = try requireAccount(r.accountID, tx)
        try requireTrader(account, to: "place orders")
        let spec = try spec(r.symbol)
        let side = try Side(wire: r.side, field: "side")
        let quantity = try positive(r.quantityE8, "quantity")
        let price = try positive(r.priceE8, "price")
        guard quantity.isMultiple(of: spec.stepSize) else { throw DomainError.invalid("quantity", "must be a multiple of the step \(spec.stepSize)") }
        guard quantity >= spec.minQuantity else { throw DomainError.invalid("quantity", "must be at least \(spec.minQuantity)") }
        guard price.isMultiple(of: spec.tickSize) else { throw DomainError.invalid("price", "must be a multiple of the tick \(spec.tickSize)") }
        let leverage = Int(r.leverage)
        guard (1...spec.maxLeverage).contains(leverage) else {
            throw DomainError.invalid("leverage", "must be between 1 and \(spec.maxLeverage) for \(spec.symbol)")
        }
        let cost = try openingCost(quantity: quantity, price: price, leverage: leverage, feeRate: spec.takerFeeRate)
        let held = try cost.margin + cost.fee
        let available = try tx.available(account.id)
        guard held <= available else {
            throw DomainError(.failedPrecondition, field: "quantity", "the order holds \(held), more than the available balance \(available)")
        }
        let order = OrderRecord(id: tx.newID("o"), account: account.id, symbol: spec.symbol, side: side, quantity: quantity,
                                price: price, leverage: leverage, heldMargin: held, createdMs: occurred(r.atMs, tx))
        tx.put(order)
        tx.created(order.id)
        tx.event(.orderPlaced, account: account.id, symbol: spec.symbol, amount: held, price: price, quantity: quantity,
                 detail: "\(order.id) \(side.rawValue) \(leverage)x")
        try await requireCrossSafe(account.id, field: "quantity", tx: tx)
    }

    func cancelOrder(_ r: Copytrade_V1_CancelOrderRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        let account = try requireAccount(r.accountID, tx)
        guard let order = tx.order(r.orderID), order.account == account.id else {
            throw DomainError.notFound("order", "\(account.id) has no open order \"\(r.orderID)\"")
        }
        tx.remove(order: order.id)
        tx.event(.orderCancelled, account: account.id, symbol: order.symbol, amount: order.heldMargin, price: order.price,
                 quantity: order.quantity, reason: "requested", detail: order.id)
    }

    /// Turns auto margin addition on (with amount A) or off for an isolated position.
    func setAutoMargin(_ r: Copytrade_V1_SetAutoMarginRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        let account = try requireAccount(r.accountID, tx)
        var p: PositionRecord
        if !r.positionID.isEmpty {
            guard let found = tx.position(r.positionID), found.account == account.id else {
                throw DomainError.notFound("position", "\(account.id) has no open position \"\(r.positionID)\"")
            }
            p = found
        } else {
            let spec = try spec(r.symbol)
            let own = tx.positions(of: account.id).filter { $0.symbol == spec.symbol }
            guard own.count == 1, let only = own.first else {
                throw own.isEmpty ? DomainError.notFound("symbol", "\(account.id) has no open \(spec.symbol) position")
                    : DomainError.invalid("position", "\(account.id) has \(own.count) \(spec.symbol) positions; name one by id")
            }
            p = only
        }
        guard p.mode == .isolated else { throw DomainError(.failedPrecondition, field: "position", "auto margin applies to isolated positions only") }
        if r.enabled {
            let amount = try positive(r.amountE8, "amount")
            p.autoMargin = amount
            tx.event(.autoMarginOn, account: account.id, symbol: p.symbol, position: p.id, amount: amount)
        } else {
            p.autoMargin = nil
            tx.event(.autoMarginOff, account: account.id, symbol: p.symbol, position: p.id)
        }
        tx.put(p)
    }
}
