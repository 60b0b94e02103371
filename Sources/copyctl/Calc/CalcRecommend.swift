import ArgumentParser
import Calculators

/// `copyctl calc recommend`: the multiplier range shown to a copier.
struct CalcRecommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recommend", abstract: "Recommended multiplier range.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var via: ViaOption
    @Option(name: .customLong("copier-equity"), help: "The copier's equity Ec.") var copierEquity: String
    @Option(name: .customLong("trader-equity"), help: "The trader's equity Et.") var traderEquity: String

    func run() async throws {
        try await runReporting(json: global.json) {
            var i = RecommendInput()
            i.copierEquity = try decimal(copierEquity, "--copier-equity")
            i.traderEquity = try decimal(traderEquity, "--trader-equity")
            Output.emit(try await Calculator(via: via.via).recommend(i), json: global.json)
        }
    }
}
