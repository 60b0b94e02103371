import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl price set SYMBOL PRICE`.
struct PriceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "price", abstract: "Set mark prices.", subcommands: [Set.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a symbol's mark price (checks liquidations and auto margin).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var symbol: String
        @Argument var price: String

        func run() async throws {
            var r = Copytrade_V1_SetMarkPriceRequest()
            do {
                r.key = input.keyValue
                r.symbol = symbol
                r.priceE8 = try decimal(price, "price").e8
                r.atMs = try input.atMs()
            } catch { throw Output.fail(error, json: global.json) }
            try await submit(global, "SetMark", r)
        }
    }
}

/// `copyctl position list|show`.
struct PositionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "position", abstract: "Inspect positions.", subcommands: [List.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List open positions with liquidation price, risk rate and margin.")
        @OptionGroup var global: GlobalOptions
        @Option var account = ""
        @Option var symbol = ""

        func run() async throws {
            try await runReporting(json: global.json) {
                var r = Copytrade_V1_ListPositionsRequest()
                r.accountID = account
                r.symbol = symbol
                let out: Copytrade_V1_ListPositionsResponse = try await withControl(global) { try await $0.call("ListPositions", r) }
                if global.json {
                    var o = CalcOutput()
                    o.add("positions", .list(out.positions.map(Views.position)))
                    print(o.json)
                } else {
                    print(out.positions.isEmpty ? "no open positions" : Views.positionTable(out.positions))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one position.")
        @OptionGroup var global: GlobalOptions
        @Argument var position: String

        func run() async throws {
            try await runReporting(json: global.json) {
                let out: Copytrade_V1_ListPositionsResponse = try await withControl(global) {
                    try await $0.call("ListPositions", Copytrade_V1_ListPositionsRequest())
                }
                guard let p = out.positions.first(where: { $0.positionID == position }) else {
                    throw DomainError.notFound("position", "no open position \"\(position)\"")
                }
                Output.emit(Views.position(p), json: global.json)
            }
        }
    }
}

/// `copyctl automargin on|off ACCOUNT (POSITION | --symbol S)`.
struct AutoMarginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "automargin", abstract: "Turn auto margin addition on or off.",
                                                    subcommands: [On.self, Off.self])

    struct Target: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @OptionGroup var input: InputOptions
        @Argument var account: String
        @Option(help: "Position id.") var position = ""
        @Option(help: "Or the account's position on this symbol.") var symbol = ""
    }

    struct On: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn auto margin on with an amount added per step.")
        @OptionGroup var target: Target
        @Option(help: "Amount A added each time the position becomes liquidatable.") var amount: String

        func run() async throws {
            var r = Copytrade_V1_SetAutoMarginRequest()
            r.key = target.input.keyValue
            r.accountID = target.account
            r.positionID = target.position
            r.symbol = target.symbol
            r.enabled = true
            do {
                r.amountE8 = try decimal(amount, "--amount").e8
                r.atMs = try target.input.atMs()
            } catch { throw Output.fail(error, json: target.global.json) }
            try await submit(target.global, "SetAutoMargin", r)
        }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn auto margin off.")
        @OptionGroup var target: Target

        func run() async throws {
            var r = Copytrade_V1_SetAutoMarginRequest()
            r.key = target.input.keyValue
            r.accountID = target.account
            r.positionID = target.position
            r.symbol = target.symbol
            r.enabled = false
            do { r.atMs = try target.input.atMs() } catch { throw Output.fail(error, json: target.global.json) }
            try await submit(target.global, "SetAutoMargin", r)
        }
    }
}

/// `copyctl history [--account A] [--kind PREFIX]`.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the event history.")
    @OptionGroup var global: GlobalOptions
    @Option var account = ""
    @Option(help: "Only events whose kind starts with this, e.g. sync.") var kind = ""
    @Option(help: "Only events after this event sequence.") var after: UInt64 = 0
    @Option var limit: UInt32 = 1000

    func run() async throws {
        try await runReporting(json: global.json) {
            var r = Copytrade_V1_HistoryRequest()
            r.accountID = account
            r.kindPrefix = kind
            r.afterSequence = after
            r.limit = limit
            let out: Copytrade_V1_HistoryResponse = try await withControl(global) { try await $0.call("History", r) }
            if global.json {
                var o = CalcOutput()
                o.add("events", .list(out.events.map(Views.event)))
                print(o.json)
            } else {
                for e in out.events { print(Views.line(e)) }
            }
        }
    }
}

/// `copyctl watch`: follow events as they are committed (one line, or one JSON object, each).
struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stream events as they happen.",
        discussion: "A watch too slow to keep up ends with \"watch fell behind: resume with --after N\" (exit 1); run it again with --after N.")
    @OptionGroup var global: GlobalOptions
    @Option var account = ""
    @Option(help: "Start after this event sequence (default: only new events).") var after: UInt64?
    @Option(help: "Stop after this many events.") var count: Int?

    func run() async throws {
        try await runReporting(json: global.json) {
            try await withControl(global) { c in
                var start = after ?? 0
                if after == nil {
                    let s: Copytrade_V1_HistoryResponse = try await c.call("History", Copytrade_V1_HistoryRequest())
                    start = s.events.last?.sequence ?? 0
                    var last = start
                    var page = s
                    while page.events.count >= 1000 {
                        var next = Copytrade_V1_HistoryRequest()
                        next.afterSequence = last
                        page = try await c.call("History", next)
                        last = page.events.last?.sequence ?? last
                    }
                    start = last
                }
                var r = Copytrade_V1_WatchRequest()
                r.accountID = account
                r.afterSequence = start
                var seen = 0
                for try await e in c.client.serverStream(service: "copytrade.v1.Control", method: "Watch", request: r,
                                                         responseType: Copytrade_V1_Event.self) {
                    print(global.json ? Views.event(e).json : Views.line(e))
                    FlushOut.now()
                    seen += 1
                    if let count, seen >= count { break }
                }
            }
        }
    }
}

enum FlushOut {
    static func now() {
        #if canImport(Glibc)
        Glibc.fflush(nil)
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
