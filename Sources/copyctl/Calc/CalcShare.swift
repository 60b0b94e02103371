import ArgumentParser
import Calculators
import CopyTradeCore

/// `copyctl calc share`: one relation's profit-share settlement (high-water mark).
/// Always in process (no module owns the formula), so it takes no `--via`.
struct CalcShare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "A profit-share settlement: due, paid and what stays due.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The relation's cumulative net profit N (realized PnL minus all fees; negative for a loss).") var net: String
    @Option(help: "The trader's profit-share ratio r, 0 to 0.5.") var ratio: String
    @Option(help: "What the relation already shared (default 0).") var shared: String?
    @Option(help: "The copier's available balance (default: unlimited).") var available: String?

    func run() async throws {
        try await runReporting(json: global.json) {
            var i = ShareInput()
            i.net = try decimal(net, "--net")
            i.ratio = try decimal(ratio, "--ratio")
            i.shared = try decimal(shared, "--shared") ?? .zero
            i.available = try decimal(available, "--available")
            Output.emit(try await Calculator(via: nil).share(i), json: global.json)
        }
    }
}
