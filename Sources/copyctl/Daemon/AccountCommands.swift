import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl account create|show|list`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account", abstract: "Create and inspect accounts.",
                                                    subcommands: [Create.self, Show.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a trader or copier account.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument(help: "Account id (letters, digits, '-', '_', '.').") var id: String
        @Option(help: "trader or copier.") var role: String
        @Option(help: "The trader's region (for rollout rules).") var region = ""
        @Option(help: "The trader's market (for rollout rules).") var market = ""

        func run() async throws {
            var r = Copytrade_V1_CreateAccountRequest()
            do { try input.refuseAt("account create") } catch { throw Output.fail(error, json: global.json) }
            r.key = input.keyValue
            r.accountID = id
            switch role {
            case "trader": r.role = .trader
            case "copier": r.role = .copier
            default: throw Output.fail(DomainError.invalid("--role", "must be trader or copier, got \"\(role)\""), json: global.json)
            }
            r.region = region
            r.market = market
            try await submit(global, "CreateAccount", r)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an account with its balances, positions and orders.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run() async throws {
            try await runReporting(json: global.json) {
                var r = Copytrade_V1_GetAccountRequest()
                r.accountID = id
                let v: Copytrade_V1_AccountView = try await withControl(global) { try await $0.call("GetAccount", r) }
                var o = Views.account(v.account)
                o.add("isolatedMargin", Decimal8(e8: v.isolatedMarginE8))
                o.add("orderMargin", Decimal8(e8: v.orderMarginE8))
                o.add("crossRequirement", Decimal8(e8: v.crossRequirementE8))
                // Equity adds the positions' unrealized PnL: unknown when one's figures are.
                o.add("equity", v.positions.contains(where: \.figuresUnavailable) ? .text(Views.unavailable) : .decimal(Decimal8(e8: v.equityE8)))
                if global.json {
                    o.add("positions", .list(v.positions.map(Views.position)))
                    print(o.json)
                } else {
                    print(o.text())
                    if !v.positions.isEmpty { print("\n" + Views.positionTable(v.positions)) }
                    for ord in v.orders {
                        print("order \(ord.orderID) \(ord.symbol) \(ord.side == .short ? "short" : "long") \(Decimal8(e8: ord.quantityE8)) @ \(Decimal8(e8: ord.priceE8)) holds \(Decimal8(e8: ord.heldMarginE8))")
                    }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runReporting(json: global.json) {
                let r: Copytrade_V1_ListAccountsResponse = try await withControl(global) { try await $0.call("ListAccounts", Copytrade_V1_ListAccountsRequest()) }
                if global.json {
                    var o = CalcOutput()
                    o.add("accounts", .list(r.accounts.map(Views.account)))
                    print(o.json)
                } else {
                    var rows = [["ACCOUNT", "ROLE", "WALLET", "AVAILABLE", "REALIZED PNL", "FEES"]]
                    for a in r.accounts {
                        rows.append([a.accountID, a.role == .trader ? "trader" : "copier", Decimal8(e8: a.walletBalanceE8).description,
                                     Decimal8(e8: a.availableE8).description, Decimal8(e8: a.realizedPnlE8).description, Decimal8(e8: a.feesE8).description])
                    }
                    print(Table.render(rows))
                }
            }
        }
    }
}

/// `copyctl deposit ACCOUNT AMOUNT`.
struct Deposit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Deposit into an account's wallet.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Argument var account: String
    @Argument var amount: String

    func run() async throws { try await transfer("Deposit", "deposit", global, input, account, amount) }
}

/// `copyctl withdraw ACCOUNT AMOUNT`.
struct Withdraw: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw from an account's available balance.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Argument var account: String
    @Argument var amount: String

    func run() async throws { try await transfer("Withdraw", "withdraw", global, input, account, amount) }
}

/// A deposit or a withdrawal: the same request, to the control method `method`.
private func transfer(_ method: String, _ command: String, _ global: GlobalOptions, _ input: InputOptions, _ account: String,
                      _ amount: String) async throws {
    var r = Copytrade_V1_TransferRequest()
    r.key = input.keyValue
    r.accountID = account
    do {
        r.amountE8 = try decimal(amount, "amount").e8
        try input.refuseAt(command)
    } catch { throw Output.fail(error, json: global.json) }
    try await submit(global, method, r)
}
