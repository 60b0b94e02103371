import CopyTradeCore

/// What an account's wallet is committed to (SPEC §7):
/// `available = wallet - isolated margins - order holds - cross requirements`.
public struct AccountBalances: Sendable, Hashable {
    public var wallet: Decimal8
    public var isolatedMargin: Decimal8
    public var orderMargin: Decimal8
    public var crossRequirement: Decimal8
    public var available: Decimal8
}

extension EngineTransaction {
    /// The account's balances with this input's changes; unknown accounts have none.
    public func balances(of id: String) throws(DomainError) -> AccountBalances {
        guard let a = account(id) else { throw DomainError.notFound("account", "no account \"\(id)\"") }
        var isolated = Decimal8.zero, cross = Decimal8.zero, held = Decimal8.zero
        for p in positions(of: id) {
            if p.mode == .isolated { isolated = try isolated + p.margin } else { cross = try cross + p.margin }
        }
        for o in orders(of: id) { held = try held + o.heldMargin }
        let available = try a.wallet - isolated - held - cross
        return AccountBalances(wallet: a.wallet, isolatedMargin: isolated, orderMargin: held,
                               crossRequirement: cross, available: available)
    }

    /// The account's available balance (see ``AccountBalances``).
    public func available(_ id: String) throws(DomainError) -> Decimal8 {
        try balances(of: id).available
    }
}
