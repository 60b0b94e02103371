import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl follow COPIER TRADER ...`: start copying a trader, with every relation setting.
struct Follow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a copier follow a trader.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Argument var copier: String
    @Argument var trader: String
    @Option(help: "Multiplier m (proportional mode, 0.01 to 10).") var multiplier: String?
    @Option(name: .customLong("fixed-margin"), help: "Fixed margin B per copied order (fixed mode).") var fixedMargin: String?
    @Option(help: "The copier's leverage for every symbol.") var leverage: Int32 = 10
    @Option(name: .customLong("symbol-leverage"), help: "Per-symbol leverage, SYMBOL=L (repeatable).") var symbolLeverage: [String] = []
    @Option(name: .customLong("margin-mode"), help: "isolated (default) or cross.") var marginMode = "isolated"
    @Option(help: "Slippage-protection ratio k (default: the symbol's).") var slippage: String?
    @Option(name: .customLong("max-margin-per-order"), help: "Cap on one copied order's margin.") var maxMarginPerOrder: String?
    @Option(name: .customLong("max-total-margin"), help: "Cap on the margin of all open copies.") var maxTotalMargin: String?
    @Option(name: .customLong("auto-margin"), help: "Turn auto margin on for copied positions with this amount.") var autoMargin: String?

    func run() async throws {
        var r = Copytrade_V1_FollowRequest()
        do {
            r.key = input.keyValue
            r.copierID = copier
            r.traderID = trader
            switch (multiplier, fixedMargin) {
            case (let m?, nil):
                r.mode = .proportional
                r.multiplierE8 = try decimal(m, "--multiplier").e8
            case (nil, let b?):
                r.mode = .fixed
                r.fixedMarginE8 = try decimal(b, "--fixed-margin").e8
            default:
                throw DomainError.invalid("--multiplier", "give exactly one of --multiplier and --fixed-margin")
            }
            r.leverage = leverage
            for item in symbolLeverage {
                let parts = item.split(separator: "=")
                guard parts.count == 2, let l = Int32(parts[1]) else {
                    throw DomainError.invalid("--symbol-leverage", "must be SYMBOL=LEVERAGE, got \"\(item)\"")
                }
                r.symbolLeverage[String(parts[0])] = l
            }
            switch marginMode {
            case "isolated": r.marginMode = .isolated
            case "cross": r.marginMode = .cross
            default: throw DomainError.invalid("--margin-mode", "must be isolated or cross")
            }
            if let k = slippage {
                r.hasSlippage_p = true
                r.slippageE8 = try decimal(k, "--slippage").e8
            }
            r.maxMarginPerOrderE8 = try decimal(maxMarginPerOrder, "--max-margin-per-order")?.e8 ?? 0
            r.maxTotalMarginE8 = try decimal(maxTotalMargin, "--max-total-margin")?.e8 ?? 0
            r.autoMarginAmountE8 = try decimal(autoMargin, "--auto-margin")?.e8 ?? 0
            r.atMs = try input.atMs()
        } catch {
            throw Output.fail(error, json: global.json)
        }
        try await submit(global, "Follow", r)
    }
}

/// `copyctl unfollow|pause|resume COPIER TRADER`.
struct RelationChange: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Argument var copier: String
    @Argument var trader: String

    func send(_ method: String) async throws {
        var r = Copytrade_V1_RelationRequest()
        r.key = input.keyValue
        r.copierID = copier
        r.traderID = trader
        do { r.atMs = try input.atMs() } catch { throw Output.fail(error, json: global.json) }
        try await submit(global, method, r)
    }
}

struct Unfollow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop copying a trader (open copies stay open).")
    @OptionGroup var change: RelationChange
    func run() async throws { try await change.send("Unfollow") }
}

struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pause a copy relation (new orders are skipped).")
    @OptionGroup var change: RelationChange
    func run() async throws { try await change.send("Pause") }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume a paused copy relation.")
    @OptionGroup var change: RelationChange
    func run() async throws { try await change.send("Resume") }
}
