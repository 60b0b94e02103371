import ArgumentParser
import Calculators
import CopyTradeCore

/// `copyctl calc size`: a copier's order from the trader's fill.
struct CalcSize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "size", abstract: "Size a copier's order from a trader's fill.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var via: ViaOption
    @Option(help: "proportional or fixed.") var mode: String
    @Option(help: "Multiplier m (proportional mode).") var multiplier: String?
    @Option(name: .customLong("fixed-margin"), help: "Fixed margin B per copied order (fixed mode).") var fixedMargin: String?
    @Option(help: "long or short.") var side: String
    @Option(help: "The trader's fill price F.") var fill: String
    @Option(help: "The trader's filled quantity.") var qty: String
    @Option(help: "The copier's leverage L.") var leverage: Int
    @Option(help: "Symbol whose spec supplies fee, step, minimums and maximum leverage.") var symbol: String?
    @Option(help: "Taker fee rate f (without --symbol).") var fee: String?
    @Option(help: "Step size (without --symbol).") var step: String?
    @Option(help: "Tick size of the worst price (default: the symbol's, else 1e-8).") var tick: String?
    @Option(name: .customLong("min-qty"), help: "Minimum quantity (without --symbol).") var minQty: String?
    @Option(name: .customLong("min-notional"), help: "Minimum notional (without --symbol).") var minNotional: String?
    @Option(help: "Slippage-protection ratio k (default: the symbol's, else 0).") var slippage: String?
    @Option(help: "The copier's available balance; when given, orders it cannot pay are skipped.") var available: String?

    func run() async throws {
        try await runReporting(json: global.json) {
            var i = SizeInput()
            guard let m = SizeInput.Mode(rawValue: mode) else {
                throw DomainError.invalid("--mode", "must be proportional or fixed, got \"\(mode)\"")
            }
            i.mode = m
            i.multiplier = try decimal(multiplier, "--multiplier")
            i.fixedMargin = try decimal(fixedMargin, "--fixed-margin")
            i.side = try .init(parsing: side, field: "--side")
            i.fill = try decimal(fill, "--fill")
            i.quantity = try decimal(qty, "--qty")
            i.leverage = leverage
            i.symbol = symbol
            i.fee = try decimal(fee, "--fee")
            i.step = try decimal(step, "--step")
            i.tick = try decimal(tick, "--tick")
            i.minQuantity = try decimal(minQty, "--min-qty")
            i.minNotional = try decimal(minNotional, "--min-notional")
            i.slippage = try decimal(slippage, "--slippage")
            i.available = try decimal(available, "--available")
            Output.emit(try await Calculator(via: via.via).size(i), json: global.json)
        }
    }
}
