import ArgumentParser
import Calculators

/// `copyctl calc`: the domain formulas from the command line, no daemon needed.
struct Calc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compute liquidation prices, copy order sizes, multipliers, margin sync, auto margin, "
            + "take-profit/stop-loss triggers and profit-share settlements.",
        subcommands: [CalcLiquidation.self, CalcSize.self, CalcRecommend.self, CalcSync.self, CalcAutoMargin.self,
                      CalcTPSL.self, CalcShare.self]
    )
}

/// Where a calculator computes: in this process (default) or through a module's socket,
/// possibly on another host with TLS and a shared token.
struct ViaOption: ParsableArguments {
    @Option(name: .customLong("via"), help: "Compute through a module socket (unix:PATH or tcp:HOST:PORT) instead of in process.")
    var address: String?
    @Option(name: .customLong("tls-ca"), help: "With --via: CA file (PEM) the module's certificate must chain to; enables TLS.")
    var tlsCA: String?
    @Option(name: .customLong("tls-cert"), help: "With --via: client certificate (PEM) for a module requiring mutual TLS; enables TLS.")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "With --via: private key (PEM) of --tls-cert.")
    var tlsKey: String?
    @Option(name: .customLong("token-file"), help: "With --via: file holding the module's shared token.")
    var tokenFile: String?

    func validate() throws {
        if address == nil, tlsCA != nil || tlsCert != nil || tlsKey != nil || tokenFile != nil {
            throw ValidationError("--tls-ca, --tls-cert, --tls-key and --token-file need --via")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
    }

    /// What `Calculator(via:)` takes: the address with its TLS and token options.
    var via: RemoteModuleOptions {
        RemoteModuleOptions(address: address, tlsCA: tlsCA, tlsCert: tlsCert, tlsKey: tlsKey, tokenFile: tokenFile)
    }
}

/// The position and rate options shared by `liq` and `automargin`.
struct PositionOptions: ParsableArguments {
    @Option(help: "Margin model preset: bingx, binance, okx, bybit, hyperliquid.") var preset = "bingx"
    @Option(help: "Symbol whose spec supplies tiers, fee, tick and maximum leverage.") var symbol: String?
    @Option(help: "long or short.") var side: String
    @Option(help: "Entry price.") var entry: String
    @Option(help: "Position quantity.") var qty: String
    @Option(help: "Isolated margin.") var margin: String
    @Option(help: "Position leverage (default: the effective leverage q*E/M).") var leverage: Int?
    @Option(help: "Maintenance margin rate (overrides the preset/symbol).") var mmr: String?
    @Option(help: "Maintenance amount (overrides the preset/symbol).") var cum: String?
    @Option(help: "Fee rate counted in maintenance (overrides the preset/symbol).") var fee: String?
    @Option(name: .customLong("max-leverage"), help: "Maximum leverage (without --symbol).") var maxLeverage: Int?
    @Option(help: "Tick size for the rounded liquidation price.") var tick: String?

    func input() throws -> LiquidationInput {
        var i = LiquidationInput()
        i.preset = preset
        i.symbol = symbol
        i.side = try .init(parsing: side, field: "--side")
        i.entry = try decimal(entry, "--entry")
        i.quantity = try decimal(qty, "--qty")
        i.margin = try decimal(margin, "--margin")
        i.leverage = leverage
        i.mmr = try decimal(mmr, "--mmr")
        i.cum = try decimal(cum, "--cum")
        i.fee = try decimal(fee, "--fee")
        i.maxLeverage = maxLeverage
        i.tick = try decimal(tick, "--tick")
        return i
    }
}
