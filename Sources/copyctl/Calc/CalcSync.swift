import ArgumentParser
import Calculators

/// `copyctl calc sync`: one copier's share of a trader's margin adjustment.
struct CalcSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "A copier's margin sync decision.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var via: ViaOption
    @Option(name: .customLong("trader-margin-before"), help: "The trader's margin before the adjustment.") var traderMarginBefore: String
    @Option(help: "The trader's adjustment: positive adds, negative reduces.") var delta: String
    @Option(name: .customLong("copier-margin"), help: "The copier position's margin now.") var copierMargin: String
    @Option(help: "The copier's copy-trading available balance.") var available: String
    @Option(name: .customLong("max-reducible"), help: "The copier position's maximum reducible margin (default: its margin).") var maxReducible: String?
    @Option(help: "When the trader's adjustment occurred (ms since epoch or ISO 8601).") var occurred: String?
    @Option(help: "When the signal was received (ms since epoch or ISO 8601).") var received: String?
    @Option(help: "When the copy relation was established (ms since epoch or ISO 8601).") var established: String?

    func run() async throws {
        try await runReporting(json: global.json) {
            var i = SyncInput()
            i.traderMarginBefore = try decimal(traderMarginBefore, "--trader-margin-before")
            i.delta = try decimal(delta, "--delta")
            i.copierMargin = try decimal(copierMargin, "--copier-margin")
            i.available = try decimal(available, "--available")
            i.maxReducible = try decimal(maxReducible, "--max-reducible")
            i.occurred = try TimeArgument.parse(occurred, "--occurred") ?? 0
            i.received = try TimeArgument.parse(received, "--received") ?? i.occurred
            i.established = try TimeArgument.parse(established, "--established") ?? 0
            Output.emit(try await Calculator(via: via.via).sync(i), json: global.json)
        }
    }
}
