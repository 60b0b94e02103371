import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl trader ...`: a trader's (or any account's own) actions.
struct TraderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trader", abstract: "Trader actions: open, close, margin, orders.",
                                                    subcommands: [Open.self, Close.self, MarginCommand.self, OrderCommand.self])

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open or add to a position at a fill price; followers copy it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var account: String
        @Argument var symbol: String
        @Option(help: "long or short.") var side: String
        @Option(help: "Filled quantity.") var qty: String
        @Option(help: "Fill price.") var price: String
        @Option(help: "Leverage.") var leverage: Int32 = 10
        @Option(name: .customLong("margin-mode"), help: "isolated (default) or cross.") var marginMode = "isolated"

        func run() async throws {
            var r = Copytrade_V1_OpenRequest()
            do {
                r.key = input.keyValue
                r.accountID = account
                r.symbol = symbol
                r.side = try Side(parsing: side, field: "--side").wire
                r.quantityE8 = try decimal(qty, "--qty").e8
                r.priceE8 = try decimal(price, "--price").e8
                r.leverage = leverage
                guard marginMode == "isolated" || marginMode == "cross" else { throw DomainError.invalid("--margin-mode", "must be isolated or cross") }
                r.marginMode = marginMode == "cross" ? .cross : .isolated
                r.atMs = try input.atMs()
            } catch { throw Output.fail(error, json: global.json) }
            try await submit(global, "Open", r)
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close all or part of a position; copies close the same fraction.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var account: String
        @Argument var symbol: String
        @Option(help: "Quantity to close (default: all).") var qty: String?
        @Option(help: "Exit price (default: the mark).") var price: String?

        func run() async throws {
            var r = Copytrade_V1_CloseRequest()
            do {
                r.key = input.keyValue
                r.accountID = account
                r.symbol = symbol
                r.quantityE8 = try decimal(qty, "--qty")?.e8 ?? 0
                r.priceE8 = try decimal(price, "--price")?.e8 ?? 0
                r.atMs = try input.atMs()
            } catch { throw Output.fail(error, json: global.json) }
            try await submit(global, "Close", r)
        }
    }

    struct MarginCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "margin", abstract: "Add or reduce isolated margin (synced to copiers).",
                                                        subcommands: [Add.self, Reduce.self])
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add margin to an isolated position.")
            @OptionGroup var change: MarginChange
            func run() async throws { try await change.send(sign: 1) }
        }
        struct Reduce: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Reduce an isolated position's margin (at most the maximum reducible).")
            @OptionGroup var change: MarginChange
            func run() async throws { try await change.send(sign: -1) }
        }
    }

    struct MarginChange: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var account: String
        @Argument var symbol: String
        @Argument var amount: String

        func send(sign: Int64) async throws {
            var r = Copytrade_V1_AdjustMarginRequest()
            do {
                r.key = input.keyValue
                r.accountID = account
                r.symbol = symbol
                let a = try decimal(amount, "amount")
                guard a.isPositive else { throw DomainError.invalid("amount", "must be greater than 0") }
                r.deltaE8 = sign * a.e8
                r.atMs = try input.atMs()
            } catch { throw Output.fail(error, json: global.json) }
            // The daemon names the request's `delta`; here the user typed it as <amount>.
            try await submit(global, "AdjustMargin", r, fieldNames: ["delta": "amount"])
        }
    }

    struct OrderCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "order", abstract: "Place or cancel limit orders.",
                                                        subcommands: [Place.self, Cancel.self])
        struct Place: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Place a limit order that holds margin.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var input: InputOptions
            @Argument var account: String
            @Argument var symbol: String
            @Option var side: String
            @Option var qty: String
            @Option var price: String
            @Option var leverage: Int32 = 10

            func run() async throws {
                var r = Copytrade_V1_PlaceOrderRequest()
                do {
                    r.key = input.keyValue
                    r.accountID = account
                    r.symbol = symbol
                    r.side = try Side(parsing: side, field: "--side").wire
                    r.quantityE8 = try decimal(qty, "--qty").e8
                    r.priceE8 = try decimal(price, "--price").e8
                    r.leverage = leverage
                    r.atMs = try input.atMs()
                } catch { throw Output.fail(error, json: global.json) }
                try await submit(global, "PlaceOrder", r)
            }
        }
        struct Cancel: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Cancel a limit order, releasing its margin.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var input: InputOptions
            @Argument var account: String
            @Argument var order: String

            func run() async throws {
                var r = Copytrade_V1_CancelOrderRequest()
                r.key = input.keyValue
                r.accountID = account
                r.orderID = order
                do { r.atMs = try input.atMs() } catch { throw Output.fail(error, json: global.json) }
                try await submit(global, "CancelOrder", r)
            }
        }
    }
}
