import CopyTradeCore

/// What an account's wallet is committed to (docs/decisions.md, "Cross margin"):
/// `available = wallet - isolated margins - order holds - cross initial margins
///  + min(0, unrealized PnL of the cross positions at current marks)`.
/// An unrealized cross loss is money the account no longer has; an unrealized profit is not
/// available until it is realized.
public struct AccountBalances: Sendable, Hashable {
    public var wallet: Decimal8
    public var isolatedMargin: Decimal8
    public var orderMargin: Decimal8
    /// Initial margin of the cross positions (`q*E/L`, kept on each cross position).
    public var crossRequirement: Decimal8
    /// Sum of the cross positions' unrealized PnL at the current marks (entry when no mark),
    /// rounded down once.
    public var crossUnrealizedPnl: Decimal8
    /// May be negative: a cross loss or a close can leave less than the wallet is committed to.
    public var available: Decimal8
    /// How many cross positions the account holds (0: no cross check is needed).
    public var crossPositions: Int = 0

    /// The wallet less what isolated positions and orders hold: the money behind the cross
    /// positions (the margin module's cross wallet balance).
    public var crossWallet: Decimal8 {
        get throws(DomainError) { try wallet - isolatedMargin - orderMargin }
    }

    /// What the account can spend now, never below zero (what a module is told).
    public var spendable: Decimal8 { Decimal8.maximum(.zero, available) }
}

extension EngineTransaction {
    /// The account's balances with this input's changes; unknown accounts have none.
    public func balances(of id: String) throws(DomainError) -> AccountBalances {
        guard let a = account(id) else { throw DomainError.notFound("account", "no account \"\(id)\"") }
        var isolated = Decimal8.zero, cross = Decimal8.zero, held = Decimal8.zero
        var crossPnl = ExactDecimal.zero
        var crossCount = 0
        for p in positions(of: id) {
            if p.mode == .isolated {
                isolated = try isolated + p.margin
            } else {
                cross = try cross + p.margin
                crossCount += 1
                if let m = mark(p.symbol) {
                    crossPnl = try crossPnl + p.pnl(p.quantity, at: m.price)
                }
            }
        }
        for o in orders(of: id) { held = try held + o.heldMargin }
        let unrealized = try crossPnl.rounded(.down)
        let available = try a.wallet - isolated - held - cross + Decimal8.minimum(.zero, unrealized)
        return AccountBalances(wallet: a.wallet, isolatedMargin: isolated, orderMargin: held,
                               crossRequirement: cross, crossUnrealizedPnl: unrealized, available: available,
                               crossPositions: crossCount)
    }

    /// The account's available balance (see ``AccountBalances``).
    public func available(_ id: String) throws(DomainError) -> Decimal8 {
        try balances(of: id).available
    }
}
