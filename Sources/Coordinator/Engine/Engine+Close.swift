import CopyTradeCore
import CopyTradeProto

extension Engine {
    /// Closes all or part of an account's own position at an exit price (the mark when none is
    /// given); every copy closes the same fraction (SPEC §4), never blocked by balance or slippage.
    func close(_ r: Copytrade_V1_CloseRequest, _ tx: inout EngineTransaction) async throws {
        let account = try requireAccount(r.accountID, tx)
        let spec = try spec(r.symbol)
        guard let position = tx.ownPosition(account: account.id, symbol: spec.symbol) else {
            throw DomainError.notFound("symbol", "\(account.id) has no open \(spec.symbol) position")
        }
        let quantity = r.quantityE8 == 0 ? position.quantity : try positive(r.quantityE8, "quantity")
        guard quantity <= position.quantity else {
            throw DomainError.invalid("quantity", "\(quantity) is more than the open quantity \(position.quantity)")
        }
        guard quantity.isMultiple(of: spec.stepSize) else { throw DomainError.invalid("quantity", "must be a multiple of the step \(spec.stepSize)") }
        let price: Decimal8
        if r.priceE8 != 0 {
            price = try positive(r.priceE8, "price")
            guard price.isMultiple(of: spec.tickSize) else { throw DomainError.invalid("price", "must be a multiple of the tick \(spec.tickSize)") }
        } else {
            guard let m = tx.mark(spec.symbol) else {
                throw DomainError(.failedPrecondition, field: "price", "no mark price for \(spec.symbol); give an exit price")
            }
            price = m.price
        }
        try await closePart(position, quantity: quantity, price: price, kind: .own, tx: &tx)
        if position.mode == .cross { try await settleCross(account: account.id, tx: &tx) }
        try await closeCopies(of: position.id, spec: spec, closed: quantity, before: position.quantity, price: price, tx: &tx)
        var close = Copytrade_V1_CopyClose()
        close.traderPositionID = position.id
        close.symbol = spec.symbol
        close.closedQuantityE8 = quantity.e8
        close.quantityBeforeE8 = position.quantity.e8
        close.priceE8 = price.e8
        tx.broadcast(.copyClose(close))
    }

    /// Closes the same fraction of every copy of a trader position held here: `closed` of the
    /// trader's `before`, at the trader's exit price.
    func closeCopies(of traderPosition: String, spec: SymbolSpec, closed quantity: Decimal8, before: Decimal8, price: Decimal8,
                     tx: inout EngineTransaction) async throws {
        for copy in tx.copies(of: traderPosition) {
            let copyQuantity = try await modules.sizing.closeQuantity(CopyCloseRequest(
                copierQuantity: copy.quantity, traderClosedQuantity: quantity, traderQuantityBefore: before,
                stepSize: spec.stepSize, minQuantity: spec.minQuantity))
            guard !copyQuantity.isNegative, copyQuantity <= copy.quantity, copyQuantity.isMultiple(of: spec.stepSize) else {
                throw ModuleFault.error("sizing", "a close of \(copyQuantity) for \(copy.id) holding \(copy.quantity)")
            }
            guard copyQuantity.isPositive else {
                tx.event(.copyCloseSkipped, account: copy.account, symbol: spec.symbol, position: copy.id,
                         reason: "rounded_to_zero", detail: "the pro-rata share of \(copy.quantity) rounds to zero steps")
                continue
            }
            try await closePart(copy, quantity: copyQuantity, price: price, kind: .copy, tx: &tx)
            if copy.mode == .cross { try await settleCross(account: copy.account, tx: &tx) }
        }
    }

    /// Books a close of `quantity` at `price`: gross PnL `s*q*(exit - E)` (rounded down), the
    /// closing fee (rounded up), and the released share of margin. An isolated position cannot
    /// lose more than its released margin; any shortfall is taken by the insurance ledger.
    /// `event` replaces the close's own event kind (a take profit, a stop loss), `reason` is
    /// recorded with it. A copy's closed share goes into its relation's result.
    func closePart(_ p: PositionRecord, quantity: Decimal8, price: Decimal8, kind: ClosedPosition, tx: inout EngineTransaction,
                   as event: EventKind? = nil, reason: String = "") async throws {
        let spec = try spec(p.symbol)
        guard var a = tx.account(p.account) else { throw DomainError.notFound("account", "no account \"\(p.account)\"") }
        let full = quantity == p.quantity
        var gross = try p.pnl(quantity, at: price).rounded(.down)
        let fee = try (quantity.exact * price.exact * spec.takerFeeRate.exact).rounded(.up)
        let released = full ? p.margin : try (p.margin.exact * quantity.exact).divided(by: p.quantity.exact, rounding: .down)
        var shortfall = Decimal8.zero
        if p.mode == .isolated {
            let net = try gross - fee
            let floor = try -released
            if net < floor {
                shortfall = try floor - net
                gross = try gross + shortfall
            }
        }
        a.wallet = try a.wallet + gross - fee
        a.realizedPnl = try a.realizedPnl + gross
        a.fees = try a.fees + fee
        tx.put(a)
        if !shortfall.isZero { try tx.addInsurance(try -shortfall) }
        let openFeeShare = full ? p.openFees : try (p.openFees.exact * quantity.exact).divided(by: p.quantity.exact, rounding: .down)
        try bookRelationResult(p, gross: gross, closingFee: fee, openFeeShare: openFeeShare, tx: &tx)
        if full {
            tx.close(position: p.id)
        } else {
            var rest = p
            rest.quantity = try p.quantity - quantity
            rest.margin = try p.margin - released
            rest.openFees = try p.openFees - openFeeShare
            rest = try withTriggers(try await withLiquidationPrice(rest), tx)
            tx.put(rest)
        }
        tx.event(event ?? kind.kind(full: full), account: p.account, symbol: p.symbol, position: p.id,
                 amount: try gross - fee, price: price, quantity: quantity, reason: reason,
                 detail: "pnl \(gross) fee \(fee) margin released \(released)" + (shortfall.isZero ? "" : " insurance covered \(shortfall)"))
    }
}
