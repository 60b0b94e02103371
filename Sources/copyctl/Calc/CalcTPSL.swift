import ArgumentParser
import Calculators
import CopyTradeCore

/// `copyctl calc tpsl`: a copy's take-profit and stop-loss trigger prices on the tick.
/// Always in process (no module owns the formula), so it takes no `--via`.
struct CalcTPSL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tpsl", abstract: "Take-profit and stop-loss trigger prices of a copy.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "long or short.") var side: String
    @Option(help: "The copy's entry price E.") var entry: String
    @Option(help: "The copy's leverage L.") var leverage: Int
    @Option(name: .customLong("tp-ratio"), help: "Take-profit ratio on the initial margin (> 0): long E*(1 + tp/L), short E*(1 - tp/L).")
    var tpRatio: String?
    @Option(name: .customLong("sl-ratio"), help: "Stop-loss ratio on the initial margin (> 0): long E*(1 - sl/L), short E*(1 + sl/L).")
    var slRatio: String?
    @Option(help: "Symbol whose tick the prices are rounded to (and whose maximum leverage applies).") var symbol: String?
    @Option(help: "Tick size (default: the symbol's, else 1e-8).") var tick: String?

    func run() async throws {
        try await runReporting(json: global.json) {
            var i = TriggerInput()
            i.side = try .init(parsing: side, field: "--side")
            i.entry = try decimal(entry, "--entry")
            i.leverage = leverage
            i.takeProfitRatio = try decimal(tpRatio, "--tp-ratio")
            i.stopLossRatio = try decimal(slRatio, "--sl-ratio")
            i.symbol = symbol
            i.tick = try decimal(tick, "--tick")
            Output.emit(try await Calculator(via: nil).tpsl(i), json: global.json)
        }
    }
}
