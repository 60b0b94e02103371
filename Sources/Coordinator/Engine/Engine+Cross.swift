import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

extension Engine {
    /// Re-checks every account holding a cross position on `symbol`: its cross equity (free
    /// wallet plus unrealized PnL) against the sum of maintenance requirements (SPEC §3).
    func checkCrossAccounts(symbol: String, tx: inout EngineTransaction) async throws {
        for account in (tx.base.crossAccountsBySymbol[symbol] ?? []).sorted() {
            let cross = tx.positions(of: account).filter { $0.mode == .cross }
            guard !cross.isEmpty else { continue }
            let b = try tx.balances(of: account)
            var req = Copytrade_V1_EvaluateAccountRequest()
            req.preset = config.preset
            req.walletBalanceE8 = try (b.wallet - b.isolatedMargin - b.orderMargin).e8
            for p in cross {
                req.positions.append(positionState(p))
                req.risks.append(try risk(p.symbol))
                req.markPricesE8.append((tx.mark(p.symbol)?.price ?? p.entry).e8)
            }
            let e = try await modules.margin.evaluateAccount(req)
            guard e.liquidatable else { continue }
            try await liquidateCross(account: account, positions: cross, tx: &tx)
        }
    }

    /// Closes every cross position of the account at its mark; what is left of the cross
    /// balance goes to the insurance ledger as the liquidation fee, and a deficit is covered by it.
    func liquidateCross(account: String, positions: [PositionRecord], tx: inout EngineTransaction) async throws {
        for p in positions {
            let price = tx.mark(p.symbol)?.price ?? p.entry
            try await closePart(p, quantity: p.quantity, price: price, kind: "cross", tx: &tx)
        }
        let b = try tx.balances(of: account)
        let free = try b.wallet - b.isolatedMargin - b.orderMargin
        guard var a = tx.account(account) else { return }
        if free.isPositive {
            a.wallet = try a.wallet - free
            a.fees = try a.fees + free
            try tx.addInsurance(free)
        } else if free.isNegative {
            let deficit = try -free
            a.wallet = try a.wallet + deficit
            a.realizedPnl = try a.realizedPnl + deficit
            try tx.addInsurance(try -deficit)
        }
        tx.put(a)
        tx.event("liquidated", account: account, reason: "cross_equity",
                 detail: "\(positions.count) cross positions closed; \(free.isPositive ? "fee \(free) to" : "deficit \(free.magnitude) covered by") insurance")
    }
}
