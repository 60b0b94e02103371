import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// The relation settings `copyctl follow` and `copyctl relation set` take. Every option is
/// optional here so `relation set` can send exactly the ones given (``apply(to:)``); `follow`
/// fills in its defaults (leverage 10, isolated) itself.
struct RelationSettingOptions: ParsableArguments {
    @Option(help: "Multiplier m (proportional mode, 0.01 to 10).") var multiplier: String?
    @Option(name: .customLong("fixed-margin"), help: "Fixed margin B per copied order (fixed mode).") var fixedMargin: String?
    @Option(help: "The copier's leverage for every symbol (follow: default 10).") var leverage: Int32?
    @Option(name: .customLong("symbol-leverage"), help: "Per-symbol leverage, SYMBOL=L (repeatable).") var symbolLeverage: [String] = []
    @Option(name: .customLong("margin-mode"), help: "isolated or cross (follow: default isolated).") var marginMode: String?
    @Option(name: .customLong("symbol-margin-mode"), help: "Per-symbol margin mode, SYMBOL=isolated|cross (repeatable).")
    var symbolMarginMode: [String] = []
    @Option(help: "Slippage-protection ratio k (default: the symbol's).") var slippage: String?
    @Option(name: .customLong("max-margin-per-order"), help: "Cap on one copied order's margin.") var maxMarginPerOrder: String?
    @Option(name: .customLong("max-total-margin"), help: "Cap on the margin of all open copies.") var maxTotalMargin: String?
    @Option(name: .customLong("auto-margin"), help: "Turn auto margin on for copied positions with this amount.") var autoMargin: String?
    @Option(name: .customLong("tp-ratio"), help: "Take profit of each copy at this ratio of its initial margin (0.5 = +50%).")
    var tpRatio: String?
    @Option(name: .customLong("sl-ratio"), help: "Stop loss of each copy at this ratio of its initial margin (0.3 = -30%).")
    var slRatio: String?
    @Option(name: .customLong("stop-loss-amount"), help: "Stop the relation once its net result reaches this loss.")
    var stopLossAmount: String?
    @Option(name: .customLong("close-policy"), help: "What a relation stop does with open copies: follow (default), market or detach.")
    var closePolicy: String?
    @Option(help: "Copy only these symbols (comma list, repeatable; default: every symbol).") var symbols: [String] = []
    @Option(name: .customLong("max-daily-margin"), help: "Cap on the margin of copies opened per UTC day.") var maxDailyMargin: String?

    /// Writes the options given into `r`; returns the settings given, by their lowerCamelCase
    /// names (``RelationFields``), in that list's order. The `has_` flag of an optional setting
    /// is set whenever its option is given, also with 0, so the coordinator refuses 0 naming
    /// the setting rather than reading it as "off".
    func apply(to r: inout Copytrade_V1_FollowRequest) throws -> [String] {
        var given: [String] = []
        switch (multiplier, fixedMargin) {
        case (let m?, nil):
            r.mode = .proportional
            r.multiplierE8 = try decimal(m, "--multiplier").e8
            given.append("multiplier")
        case (nil, let b?):
            r.mode = .fixed
            r.fixedMarginE8 = try decimal(b, "--fixed-margin").e8
            given.append("fixedMargin")
        case (nil, nil):
            break
        case (_?, _?):
            throw DomainError.invalid("--multiplier", "give only one of --multiplier and --fixed-margin")
        }
        if let leverage {
            r.leverage = leverage
            given.append("leverage")
        }
        if !symbolLeverage.isEmpty {
            for item in symbolLeverage {
                let (symbol, value) = try Self.pair(item, "--symbol-leverage", "SYMBOL=LEVERAGE")
                guard let l = Int32(value) else { throw DomainError.invalid("--symbol-leverage", "must be SYMBOL=LEVERAGE, got \"\(item)\"") }
                r.symbolLeverage[symbol] = l
            }
            given.append("symbolLeverage")
        }
        if let marginMode {
            r.marginMode = try Self.marginMode(marginMode, "--margin-mode")
            given.append("marginMode")
        }
        if !symbolMarginMode.isEmpty {
            for item in symbolMarginMode {
                let (symbol, value) = try Self.pair(item, "--symbol-margin-mode", "SYMBOL=isolated|cross")
                r.symbolMarginMode[symbol] = try Self.marginMode(value, "--symbol-margin-mode")
            }
            given.append("symbolMarginMode")
        }
        if let slippage {
            r.hasSlippage_p = true
            r.slippageE8 = try decimal(slippage, "--slippage").e8
            given.append("slippage")
        }
        if let maxMarginPerOrder {
            r.maxMarginPerOrderE8 = try decimal(maxMarginPerOrder, "--max-margin-per-order").e8
            given.append("maxMarginPerOrder")
        }
        if let maxTotalMargin {
            r.maxTotalMarginE8 = try decimal(maxTotalMargin, "--max-total-margin").e8
            given.append("maxTotalMargin")
        }
        if let autoMargin {
            r.autoMarginAmountE8 = try decimal(autoMargin, "--auto-margin").e8
            given.append("autoMarginAmount")
        }
        if let tpRatio {
            r.hasTpRatio_p = true
            r.tpRatioE8 = try decimal(tpRatio, "--tp-ratio").e8
            given.append("tpRatio")
        }
        if let slRatio {
            r.hasSlRatio_p = true
            r.slRatioE8 = try decimal(slRatio, "--sl-ratio").e8
            given.append("slRatio")
        }
        if let stopLossAmount {
            r.hasStopLossAmount_p = true
            r.stopLossAmountE8 = try decimal(stopLossAmount, "--stop-loss-amount").e8
            given.append("stopLossAmount")
        }
        if let closePolicy {
            r.closePolicy = try ClosePolicyText.parse(closePolicy, "--close-policy")
            given.append("closePolicy")
        }
        if !symbols.isEmpty {
            r.symbols = try Self.symbolList(symbols)
            given.append("symbols")
        }
        if let maxDailyMargin {
            r.hasMaxDailyMargin_p = true
            r.maxDailyMarginE8 = try decimal(maxDailyMargin, "--max-daily-margin").e8
            given.append("maxDailyMargin")
        }
        return given
    }

    /// `SYMBOL=VALUE`, both sides non-empty.
    static func pair(_ item: String, _ field: String, _ shape: String) throws -> (String, String) {
        let parts = item.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw DomainError.invalid(field, "must be \(shape), got \"\(item)\"")
        }
        return (String(parts[0]), String(parts[1]))
    }

    static func marginMode(_ text: String, _ field: String) throws -> Copytrade_V1_MarginMode {
        switch text {
        case "isolated": return .isolated
        case "cross": return .cross
        default: throw DomainError.invalid(field, "must be isolated or cross, got \"\(text)\"")
        }
    }

    /// `--symbols BTCUSDT,ETHUSDT --symbols SOLUSDT` as one list; an empty entry is refused.
    static func symbolList(_ values: [String]) throws -> [String] {
        var out: [String] = []
        for value in values {
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                let symbol = part.trimmingCharacters(in: .whitespaces)
                guard !symbol.isEmpty else { throw DomainError.invalid("--symbols", "must be a comma list of symbols, got \"\(value)\"") }
                out.append(symbol)
            }
        }
        return out
    }
}

/// The relation settings by their names in `SetRelationRequest.fields` and `.clear`.
enum RelationFields {
    /// Every setting `relation set` can change.
    static let settable = ["multiplier", "fixedMargin", "leverage", "symbolLeverage", "marginMode", "symbolMarginMode", "slippage",
                           "maxMarginPerOrder", "maxTotalMargin", "autoMarginAmount", "tpRatio", "slRatio", "stopLossAmount",
                           "closePolicy", "symbols", "maxDailyMargin"]
    /// The optional settings `relation set --clear` turns off.
    static let clearable = ["slippage", "maxMarginPerOrder", "maxTotalMargin", "autoMarginAmount", "tpRatio", "slRatio",
                            "stopLossAmount", "symbols", "maxDailyMargin"]
    /// Option spellings that are not the setting's name with dashes.
    static let aliases = ["auto-margin": "autoMarginAmount"]

    /// The setting `text` names in `--clear` (`tp-ratio`, `--tp-ratio`, `tpRatio`, `auto-margin`), by its
    /// lowerCamelCase name; nil when it is no clearable setting.
    static func clearName(_ text: String) -> String? {
        var t = Substring(text)
        while t.hasPrefix("-") { t = t.dropFirst() }
        if let alias = aliases[String(t)] { return alias }
        let camel = camelCase(String(t))
        return clearable.first { $0 == camel || $0.lowercased() == String(t).lowercased() }
    }

    /// `max-daily-margin` → `maxDailyMargin`.
    static func camelCase(_ text: String) -> String {
        let words = text.split(separator: "-")
        guard let first = words.first else { return text }
        return String(first) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}

/// `--close-policy` words and how views print a close policy.
enum ClosePolicyText {
    static func parse(_ text: String, _ field: String) throws -> Copytrade_V1_ClosePolicy {
        switch text {
        case "follow": return .follow
        case "market": return .market
        case "detach": return .detach
        default: throw DomainError.invalid(field, "must be follow, market or detach, got \"\(text)\"")
        }
    }

    static func name(_ p: Copytrade_V1_ClosePolicy) -> String {
        switch p {
        case .unspecified, .follow: return "follow"
        case .market: return "market"
        case .detach: return "detach"
        case .UNRECOGNIZED(let n): return "unknown(\(n))"
        }
    }
}

import Foundation
