import ArgumentParser
import Calculators
import CopyTradeCore
import Foundation

/// `copyctl calc automargin`: walk a mark path and show each cancellation, addition and the
/// liquidation if it comes (SPEC §3).
struct CalcAutoMargin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "automargin", abstract: "Walk a mark path with auto margin addition.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var via: ViaOption
    @OptionGroup var position: PositionOptions
    @Option(help: "The account's available balance.") var available: String
    @Option(help: "The auto-margin amount A added per step.") var amount: String
    @Option(name: .customLong("order-margin"), help: "Margin held by pending orders on the symbol (released by cancelling them).") var orderMargin: String?
    @Option(help: "Comma-separated mark prices to walk, in order.") var path: String

    func run() async throws {
        try await runReporting(json: global.json) {
            var i = AutoMarginInput()
            i.position = try position.input()
            i.available = try decimal(available, "--available")
            i.amount = try decimal(amount, "--amount")
            i.orderMargin = try decimal(orderMargin, "--order-margin") ?? .zero
            i.path = try Self.marks(path)
            Output.emit(try await Calculator(via: via.via).autoMargin(i), json: global.json)
        }
    }

    /// The comma-separated marks of `--path`, each error naming its element (`--path[1]`, from 0);
    /// an empty element (`18069.2,,16061.5`) is refused rather than skipped.
    static func marks(_ path: String) throws -> [Decimal8] {
        try path.split(separator: ",", omittingEmptySubsequences: false).enumerated().map { n, p in
            let text = p.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { throw DomainError.invalid("--path[\(n)]", "must be a mark price, got an empty element") }
            return try decimal(text, "--path[\(n)]")
        }
    }
}
