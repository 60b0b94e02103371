import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Foundation

/// `copyctl account create|show|list|set`.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account", abstract: "Create, inspect and configure accounts.",
                                                    subcommands: [Create.self, Show.self, List.self, Change.self])

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
                    var rows = [["ACCOUNT", "ROLE", "WALLET", "AVAILABLE", "REALIZED PNL", "FEES", "SHARE PAID", "SHARE RECEIVED", "SETTINGS"]]
                    for a in r.accounts {
                        rows.append([a.accountID, a.role == .trader ? "trader" : "copier", Decimal8(e8: a.walletBalanceE8).description,
                                     Decimal8(e8: a.availableE8).description, Decimal8(e8: a.realizedPnlE8).description, Decimal8(e8: a.feesE8).description,
                                     Decimal8(e8: a.profitSharePaidE8).description, Decimal8(e8: a.profitShareReceivedE8).description,
                                     Self.settings(a)])
                    }
                    print(Table.render(rows))
                }
            }
        }

        /// A trader's settings, compactly: `share=0.1 max-copiers=100`; `-` when none is set.
        static func settings(_ a: Copytrade_V1_Account) -> String {
            var parts: [String] = []
            if a.profitShareRatioE8 != 0 { parts.append("share=\(Decimal8(e8: a.profitShareRatioE8))") }
            if a.maxCopiers != 0 { parts.append("max-copiers=\(a.maxCopiers)") }
            return parts.isEmpty ? "-" : parts.joined(separator: ",")
        }
    }

    /// `copyctl account set ACCOUNT [--max-copiers N] [--profit-share-ratio R] [--clear max-copiers]`.
    struct Change: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Change a trader's settings: copier limit, profit share ratio.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var account: String
        @Option(name: .customLong("max-copiers"), help: "The most copiers that may follow this trader.") var maxCopiers: String?
        @Option(name: .customLong("profit-share-ratio"), help: "The share of copiers' net profit paid to this trader (0 to 0.5).")
        var profitShareRatio: String?
        @Option(help: "Turn a setting off: max-copiers.") var clear: [String] = []

        func run() async throws {
            var r = Copytrade_V1_SetAccountRequest()
            do {
                r.key = input.keyValue
                r.accountID = account
                if let maxCopiers {
                    guard let n = Int32(maxCopiers) else {
                        throw DomainError.invalid("--max-copiers", "must be a whole number, got \"\(maxCopiers)\"")
                    }
                    r.hasMaxCopiers_p = true
                    r.maxCopiers = n
                }
                if let profitShareRatio {
                    r.hasProfitShareRatio_p = true
                    r.profitShareRatioE8 = try decimal(profitShareRatio, "--profit-share-ratio").e8
                }
                for item in clear.flatMap({ $0.split(separator: ",", omittingEmptySubsequences: false) }).map(String.init) {
                    guard ["max-copiers", "--max-copiers", "maxCopiers"].contains(item.trimmingCharacters(in: .whitespaces)) else {
                        throw DomainError.invalid("--clear", "\"\(item)\" is not a setting that can be cleared; only max-copiers")
                    }
                    guard !r.hasMaxCopiers_p else { throw DomainError.invalid("--clear", "max-copiers is both set and cleared") }
                    if !r.clear.contains("maxCopiers") { r.clear.append("maxCopiers") }
                }
                guard r.hasMaxCopiers_p || r.hasProfitShareRatio_p || !r.clear.isEmpty else {
                    throw DomainError.invalid("settings", "nothing to change: give --max-copiers N, --profit-share-ratio R or --clear max-copiers")
                }
                r.atMs = try input.atMs()
            } catch { throw Output.fail(error, json: global.json) }
            try await submit(global, "SetAccount", r)
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
