import CopyTradeCore
import CopyTradeProto
import Margin

extension Engine {
    /// Records a mark price and checks only the positions whose liquidation price it crossed
    /// (from the per-symbol index), running auto margin addition or liquidation for each; cross
    /// accounts holding the symbol are re-checked as a whole.
    func setMark(_ r: Copytrade_V1_SetMarkPriceRequest, _ tx: inout EngineTransaction, state: EngineState) async throws {
        let spec = try spec(r.symbol)
        let price = try positive(r.priceE8, "price")
        try MarkBounds.check(price, spec: spec, references: MarkBounds.references(spec.symbol, tx))
        let at = occurred(r.atMs, tx)
        let mark = try await modules.pricing.recordMark(symbol: spec.symbol, price: price, at: at).price
        try await applyMark(spec.symbol, MarkPoint(price: mark, atMs: at), &tx, state: state)
        // Every other shard applies the mark this shard recorded (docs/sharding.md).
        tx.broadcast(.mark(MarkPoint(price: mark, atMs: at).wire(spec.symbol)))
    }

    /// Applies a recorded mark: on the market shard as it is set, on the others from its message.
    func applyMark(_ symbol: String, _ point: MarkPoint, _ tx: inout EngineTransaction, state: EngineState) async throws {
        let mark = point.price
        tx.setMark(symbol, point)
        let spec = try spec(symbol)
        // Take profit and stop loss first, then liquidations, on the same tick (docs/protections.md).
        var taken: [String] = []
        do {
            taken = try await runTriggers(spec.symbol, mark: mark, &tx, state: state)
            let crossed = state.takeCrossed(symbol: spec.symbol, mark: mark).sorted(by: IDOrder.less)
            taken += crossed
            for id in crossed {
                guard let p = tx.position(id) else { continue }
                try await autoMarginOrLiquidate(p, mark: mark, tx: &tx)
            }
            try await checkRelationStops(stopCandidates(spec.symbol, tx, state: state), &tx)
            try await checkCrossAccounts(symbol: spec.symbol, tx: &tx)
        } catch {
            for id in taken { state.refile(id) }
            throw error
        }
        // Positions taken from the indexes that this input did not change go back as they were.
        for id in taken where tx.changes.positions[id] == nil && !tx.changes.closedPositions.contains(id) { state.refile(id) }
    }

    /// SPEC §3: cancel the symbol's orders that hold margin, add `min(A, available)` while
    /// liquidatable and money is available, else liquidate. The margin module decides each step.
    func autoMarginOrLiquidate(_ start: PositionRecord, mark: Decimal8, tx: inout EngineTransaction) async throws {
        var p = start
        for _ in 0..<10_000 {
            let risk = try risk(p.symbol)
            let available = try await autoMarginBudget(p.account, tx: tx)
            let orders = tx.orders(of: p.account).filter { $0.symbol == p.symbol }
            var held = Decimal8.zero
            for o in orders { held = try held + o.heldMargin }
            let situation = AutoMarginSituation(position: positionState(p), risk: risk, mark: mark, available: available,
                                                cancellableOrderMargin: held)
            let d = try await modules.margin.decideAutoMargin(AutoMarginQuestion(
                preset: try marginPreset(), situation: situation, enabled: p.autoMargin != nil, policy: config.autoMarginPolicy,
                amount: p.autoMargin ?? .zero, targetRiskRate: config.targetRiskRate))
            guard let action = d.action else {
                // Never read as "do nothing": a position might be left liquidatable.
                throw ModuleFault.error("margin", "an auto-margin decision for \(p.id) with no action")
            }
            switch action {
            case .none:
                return
            case .cancelOrders:
                guard !orders.isEmpty else { throw ModuleFault.error("margin", "cancel orders for \(p.id) where none hold margin") }
                for o in orders {
                    tx.remove(order: o.id)
                    tx.event(.orderCancelled, account: o.account, symbol: o.symbol, amount: o.heldMargin, price: o.price,
                             quantity: o.quantity, reason: "auto_margin", detail: "\(o.id) cancelled to save \(p.id)")
                }
            case .addMargin(let amount):
                let available = try await autoMarginBudget(p.account, tx: tx)
                guard amount.isPositive, amount <= available else {
                    throw ModuleFault.error("margin", "an addition of \(amount) to \(p.id) with \(available) available")
                }
                p.margin = try p.margin + amount
                p = try await withLiquidationPrice(p)
                tx.put(p)
                tx.event(.autoMarginAdded, account: p.account, symbol: p.symbol, position: p.id, amount: amount, price: mark,
                         detail: "margin \(p.margin) liquidation price \(p.liquidationPrice.map { "\($0)" } ?? "none") available \(try tx.available(p.account))")
            case .liquidate:
                try liquidate(p, bankruptcy: d.figures.bankruptcyPrice ?? .zero, mark: mark, tx: &tx)
                return
            }
        }
        throw ModuleFault.error("margin", "auto-margin steps for \(p.id) that never settle")
    }

    /// What auto margin may move into an isolated position: the spendable balance and, when the
    /// account holds cross positions, no more than keeps them above their requirement (SPEC §7:
    /// no input leaves a cross account liquidatable; a mark is an input too).
    func autoMarginBudget(_ account: String, tx: EngineTransaction) async throws -> Decimal8 {
        let b = try tx.balances(of: account)
        guard b.crossPositions > 0, let f = try await crossFigures(of: account, tx: tx) else { return b.spendable }
        let room = try f.equity - f.totalRequirement - .ulp
        return Decimal8.minimum(b.spendable, Decimal8.maximum(.zero, room))
    }

    /// Closes an isolated position at its bankruptcy price: its margin is lost to the insurance
    /// ledger (booked as realized loss, so the accounting identity holds).
    func liquidate(_ p: PositionRecord, bankruptcy: Decimal8, mark: Decimal8, tx: inout EngineTransaction) throws(DomainError) {
        guard var a = tx.account(p.account) else { throw DomainError.notFound("account", "no account \"\(p.account)\"") }
        a.wallet = try a.wallet - p.margin
        a.realizedPnl = try a.realizedPnl - p.margin
        tx.put(a)
        try tx.addInsurance(p.margin)
        try bookRelationResult(p, gross: try -p.margin, closingFee: .zero, openFeeShare: p.openFees, tx: &tx)
        tx.close(position: p.id)
        tx.event(.liquidated, account: p.account, symbol: p.symbol, position: p.id, amount: p.margin, price: bankruptcy,
                 quantity: p.quantity, reason: "risk_rate", detail: "mark \(mark); margin \(p.margin) to insurance")
    }
}
