import CopyTradeCore

/// A deterministic stream of keyed inputs that all succeed whatever prefix of it was applied:
/// accounts and relations first, then deposits, withdrawals, opens (copied by two followers)
/// and mark prices that stay far from any liquidation.
struct PlannedInput: Sendable {
    enum Money: Sendable { case none, deposit(String, Decimal8), withdrawal(String, Decimal8) }
    var key: String
    var args: [String]
    var money: Money = .none

    /// The command line with its idempotency key.
    var command: [String] { args + ["--key", key] }
}

enum InputPlan {
    static let accounts = ["T", "K1", "K2"]

    static func make(count: Int) -> [PlannedInput] {
        var plan: [PlannedInput] = [
            PlannedInput(key: "create-T", args: ["account", "create", "T", "--role", "trader"]),
            PlannedInput(key: "create-K1", args: ["account", "create", "K1", "--role", "copier"]),
            PlannedInput(key: "create-K2", args: ["account", "create", "K2", "--role", "copier"]),
            deposit("seed-T", "T", "100000"),
            deposit("seed-K1", "K1", "50000"),
            deposit("seed-K2", "K2", "50000"),
            PlannedInput(key: "follow-K1", args: ["follow", "K1", "T", "--multiplier", "0.5"]),
            PlannedInput(key: "follow-K2", args: ["follow", "K2", "T", "--multiplier", "2"]),
            PlannedInput(key: "mark-seed", args: ["price", "set", "BTCUSDT", "20000"]),
        ]
        var i = 0
        while plan.count < count {
            let account = accounts[i % accounts.count]
            switch i % 4 {
            case 0: plan.append(deposit("in-\(i)", account, "\(10 + i).25"))
            case 1:
                let price = 20_000 + (i % 7) * 10
                plan.append(PlannedInput(key: "in-\(i)", args: ["trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.01",
                                                                "--price", "\(price)", "--leverage", "10"]))
            case 2: plan.append(PlannedInput(key: "in-\(i)", args: ["price", "set", "BTCUSDT", "\(19_960 + (i % 9) * 10).5"]))
            default:
                let amount = Dec.of("1.5")
                plan.append(PlannedInput(key: "in-\(i)", args: ["withdraw", account, "1.5"], money: .withdrawal(account, amount)))
            }
            i += 1
        }
        return plan
    }

    static func deposit(_ key: String, _ account: String, _ amount: String) -> PlannedInput {
        PlannedInput(key: key, args: ["deposit", account, amount], money: .deposit(account, Dec.of(amount)))
    }

    /// Expected deposit and withdrawal totals per account for the inputs whose keys are applied.
    static func totals(_ plan: [PlannedInput], applied: Set<String>) throws -> [String: (deposits: Decimal8, withdrawals: Decimal8)] {
        var out: [String: (deposits: Decimal8, withdrawals: Decimal8)] = [:]
        for a in accounts { out[a] = (.zero, .zero) }
        for p in plan where applied.contains(p.key) {
            switch p.money {
            case .none: break
            case .deposit(let a, let x): out[a]!.deposits = try out[a]!.deposits + x
            case .withdrawal(let a, let x): out[a]!.withdrawals = try out[a]!.withdrawals + x
            }
        }
        return out
    }
}
