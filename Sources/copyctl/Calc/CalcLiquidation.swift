import ArgumentParser
import Calculators

/// `copyctl calc liq`: liquidation and bankruptcy price; with `--mark`, risk rate,
/// maintenance requirement and maximum reducible margin.
struct CalcLiquidation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "liq", abstract: "Liquidation price and risk of a position.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var via: ViaOption
    @OptionGroup var position: PositionOptions
    @Option(help: "Mark price for risk rate, maintenance requirement and maximum reducible margin.") var mark: String?

    func run() async throws {
        try await runReporting(json: global.json) {
            var input = try position.input()
            input.mark = try decimal(mark, "--mark")
            let out = try await Calculator(via: via.via).liquidation(input)
            Output.emit(out, json: global.json)
        }
    }
}
