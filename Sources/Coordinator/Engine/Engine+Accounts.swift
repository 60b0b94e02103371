import CopyTradeCore
import CopyTradeProto

extension Engine {
    func createAccount(_ r: Copytrade_V1_CreateAccountRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        let id = try AccountID(validating: r.accountID, field: "account").rawValue
        if tx.account(id) != nil { throw DomainError(.alreadyExists, field: "account", "account \"\(id)\" already exists") }
        let role: AccountRole
        switch r.role {
        case .trader: role = .trader
        case .copier: role = .copier
        case .unspecified, .UNRECOGNIZED: throw DomainError.invalid("role", "must be trader or copier")
        }
        tx.put(AccountRecord(id: id, role: role, region: r.region, market: r.market))
        tx.publish(account: id, role: role)
        tx.created(id)
        tx.event(.accountCreated, account: id, detail: role.rawValue)
    }

    /// A copier account is a copy-trading sub-account: it only copies (follows, deposits,
    /// withdraws, closes and sets auto margin on its copies). Its own opens and orders are
    /// refused naming `account`, as on the reference exchanges (issue 10; docs/decisions.md,
    /// "Coordinator").
    func requireTrader(_ account: AccountRecord, to action: String) throws(DomainError) {
        guard account.role == .trader else {
            throw DomainError.invalid("account", "\"\(account.id)\" is a copier account; a copier account only copies; \(action) from a trader account")
        }
    }

    func deposit(_ r: Copytrade_V1_TransferRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        var a = try requireAccount(r.accountID, tx)
        let amount = try positive(r.amountE8, "amount")
        a.wallet = try a.wallet + amount
        a.deposits = try a.deposits + amount
        tx.put(a)
        tx.event(.deposit, account: a.id, amount: amount)
    }

    /// Takes money out of the available balance (which counts an unrealized cross loss, SPEC §7),
    /// never so much that the account's cross positions become liquidatable.
    func withdraw(_ r: Copytrade_V1_TransferRequest, _ tx: inout EngineTransaction) async throws {
        var a = try requireAccount(r.accountID, tx)
        let amount = try positive(r.amountE8, "amount")
        let available = try tx.available(a.id)
        guard amount <= available else {
            throw DomainError(.failedPrecondition, field: "amount", "\(amount) is more than the available balance \(available)")
        }
        a.wallet = try a.wallet - amount
        a.withdrawals = try a.withdrawals + amount
        tx.put(a)
        tx.event(.withdrawal, account: a.id, amount: amount)
        try await requireCrossSafe(a.id, field: "amount", tx: tx)
    }
}
