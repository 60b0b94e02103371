import CopyTradeCore
import Margin

/// Cross margin (docs/decisions.md, "Cross margin"): the cross wallet (wallet less isolated
/// margins and order holds) plus the cross positions' unrealized PnL is the account's cross
/// equity; the account is liquidated when it falls to the sum of their maintenance
/// requirements, and no input may bring it there.
extension Engine {
    /// The margin module's figures for `positions` (all cross) backed by `crossWallet`, each
    /// at its symbol's mark (entry when there is none); nil when there are no positions.
    func crossFigures(positions: [PositionRecord], crossWallet: Decimal8, tx: EngineTransaction) async throws -> CrossFigures? {
        guard !positions.isEmpty else { return nil }
        var inputs: [CrossPositionInput] = []
        inputs.reserveCapacity(positions.count)
        for p in positions {
            inputs.append(CrossPositionInput(position: positionState(p), risk: try risk(p.symbol), mark: tx.mark(p.symbol)?.price ?? p.entry))
        }
        return try await modules.margin.evaluateCross(CrossCheck(preset: try marginPreset(), crossWallet: crossWallet, positions: inputs))
    }

    /// The account's cross figures with this input's changes so far.
    func crossFigures(of account: String, tx: EngineTransaction) async throws -> CrossFigures? {
        let cross = tx.positions(of: account).filter { $0.mode == .cross }
        guard !cross.isEmpty else { return nil }
        return try await crossFigures(positions: cross, crossWallet: try tx.balances(of: account).crossWallet, tx: tx)
    }

    /// Refuses an input that leaves the account's cross positions liquidatable (SPEC §7 as
    /// documented in docs/decisions.md): called after the input's changes are made.
    func requireCrossSafe(_ account: String, field: String, tx: EngineTransaction) async throws {
        guard let e = try await crossFigures(of: account, tx: tx), e.isLiquidatable else { return }
        throw DomainError(.failedPrecondition, field: field,
                          "would leave \(account)'s cross equity \(e.equity) at or below its maintenance requirement \(e.totalRequirement) (no input may leave a cross account liquidatable)")
    }

    /// True unless taking `amount` more out of the cross wallet (and, when given, adding
    /// `position` as a cross position) would leave the account's cross positions liquidatable.
    /// Cheap for an account without cross positions: no module call.
    func crossSafe(_ account: String, taking amount: Decimal8, adding position: PositionRecord? = nil,
                   tx: EngineTransaction) async throws -> Bool {
        var cross = tx.positions(of: account).filter { $0.mode == .cross }
        if let position, position.mode == .cross {
            cross.removeAll { $0.id == position.id }
            cross.append(position)
        }
        guard !cross.isEmpty else { return true }
        let wallet = try tx.balances(of: account).crossWallet - amount
        guard let e = try await crossFigures(positions: cross, crossWallet: wallet, tx: tx) else { return true }
        return !e.isLiquidatable
    }

    /// Re-checks every account holding a cross position on `symbol` after its mark moved.
    func checkCrossAccounts(symbol: String, tx: inout EngineTransaction) async throws {
        for account in (tx.base.crossAccountsBySymbol[symbol] ?? []).sorted() {
            try await settleCross(account: account, tx: &tx)
        }
    }

    /// After a mark or a close: liquidates the account's cross positions when their equity is at
    /// or below their requirement; with no cross position left, a negative cross wallet (a
    /// realized cross loss larger than the cross balance) is covered by the insurance ledger,
    /// so a cross loss is never paid out of isolated margins or order holds.
    func settleCross(account: String, tx: inout EngineTransaction) async throws {
        let cross = tx.positions(of: account).filter { $0.mode == .cross }
        if cross.isEmpty {
            let b = try tx.balances(of: account)
            let free = try b.crossWallet
            guard free.isNegative, var a = tx.account(account) else { return }
            let deficit = try -free
            a.wallet = try a.wallet + deficit
            a.realizedPnl = try a.realizedPnl + deficit
            tx.put(a)
            try tx.addInsurance(try -deficit)
            tx.event(.liquidated, account: account, amount: deficit, reason: "cross_deficit",
                     detail: "cross loss beyond the cross balance: deficit \(deficit) covered by insurance")
            return
        }
        guard let e = try await crossFigures(positions: cross, crossWallet: try tx.balances(of: account).crossWallet, tx: tx),
              e.isLiquidatable else { return }
        try await liquidateCross(account: account, positions: cross, tx: &tx)
    }

    /// Closes every cross position of the account at its mark; what is left of the cross
    /// balance goes to the insurance ledger as the liquidation fee, and a deficit is covered by it.
    func liquidateCross(account: String, positions: [PositionRecord], tx: inout EngineTransaction) async throws {
        for p in positions {
            let price = tx.mark(p.symbol)?.price ?? p.entry
            try await closePart(p, quantity: p.quantity, price: price, kind: .cross, tx: &tx)
        }
        let free = try tx.balances(of: account).crossWallet
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
        tx.event(.liquidated, account: account, reason: "cross_equity",
                 detail: "\(positions.count) cross positions closed; \(free.isPositive ? "fee \(free) to" : "deficit \(free.magnitude) covered by") insurance")
    }
}
