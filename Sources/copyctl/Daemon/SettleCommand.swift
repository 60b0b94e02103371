import ArgumentParser
import CopyTradeCore
import CopyTradeProto

/// `copyctl settle [--trader T]`: a profit-share settlement now, of every relation or of one
/// trader's; prints what was paid, received and left short like every input prints its events.
struct SettleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle", abstract: "Settle profit sharing now: copiers pay traders their share of net profit.",
        discussion: "Each relation pays max(0, net result x ratio - already shared), at most the copier's available balance; what could not be paid stays due.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Option(help: "Only this trader's relations (default: every relation).") var trader: String?

    func run() async throws {
        var r = Copytrade_V1_SettleRequest()
        do {
            r.key = input.keyValue
            if let trader {
                guard !trader.isEmpty else { throw DomainError.invalid("--trader", "must name a trader") }
                r.traderID = trader
            }
            r.atMs = try input.atMs()
        } catch { throw Output.fail(error, json: global.json) }
        try await submit(global, "Settle", r)
    }
}
