import CopyTradeCore
import Testing

/// Error messages quote what they refuse; printed, the quote must not drive the terminal.
@Suite("Terminal text and symbol names")
struct TerminalTextTests {
    @Test("control and invisible format characters are escaped; printable text is unchanged", arguments: [
        ("BTCUSDT", "BTCUSDT"),
        ("é 漢字 ▲ ✕", "é 漢字 ▲ ✕"),
        ("a\u{1B}[2Jb", "a\\u{1B}[2Jb"),
        ("line\nnext\rtab\t", "line\\nnext\\rtab\\t"),
        ("\u{7F}\u{9B}31m", "\\u{7F}\\u{9B}31m"),
        ("\u{1B}]8;;http://x\u{07}link", "\\u{1B}]8;;http://x\\u{7}link"),
        ("abc\u{202E}fed", "abc\\u{202E}fed"),
        ("zero\u{200B}width\u{FEFF}", "zero\\u{200B}width\\u{FEFF}"),
        ("\u{0}", "\\u{0}"),
    ])
    func escapes(_ input: String, _ expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test func newlinesKeptWhenAsked() {
        #expect(TerminalText.escaped("Error: x\u{1B}\nUsage: y", keepingNewlines: true) == "Error: x\\u{1B}\nUsage: y")
    }

    @Test("DomainError prints the field and rule with the quoted input escaped")
    func domainErrorDescription() {
        let e = DomainError.invalid("account", "no account \"A\u{1B}[31mB\"")
        #expect(e.description == "account: no account \"A\\u{1B}[31mB\"")
        #expect(!e.description.unicodeScalars.contains("\u{1B}"))
        // The parts stay exact, for code that reads them.
        #expect(e.message == "no account \"A\u{1B}[31mB\"")
    }

    @Test("JSON text escapes DEL, C1 and bidi controls as \\u escapes too")
    func jsonEscapesC1() {
        #expect(JSONText.quoted("a\u{7F}b\u{9B}c\u{202E}") == #""a\u007fb\u009bc\u202e""#)
        #expect(JSONText.quoted("\u{E0001}") == #""\udb40\udc01""#)
        #expect(JSONText.quoted("ok é") == #""ok é""#)
    }

    @Test("symbol names: uppercase letters and digits, '-' and '_' after the first, 1 to 32",
          arguments: ["BTCUSDT", "1000PEPEUSDT", "BTC-PERP", "ETH_USDT", String(repeating: "A", count: 32)])
    func validSymbols(_ name: String) throws {
        try SymbolName.validate(name)
    }

    @Test("symbols that markup, a spreadsheet or a terminal would interpret are refused", arguments: [
        "<img src=x onerror=alert(1)>", "=HYPERLINK(\"http://x\")", "-BTC", "+1", "@SUM", "btcusdt", "BTC USDT", "BTC\u{1B}[2J",
        "", String(repeating: "A", count: 33), "BTCUSDT\n", "ВTCUSDT",
    ])
    func invalidSymbols(_ name: String) {
        #expect(throws: DomainError.self) { try SymbolName.validate(name, field: "symbols[0].symbol") }
        do { try SymbolName.validate(name, field: "symbols[0].symbol") } catch {
            #expect(error.field == "symbols[0].symbol")
            #expect(error.code == .invalidArgument)
        }
    }

    @Test("a spec with such a symbol is refused wherever a market is built")
    func specRefusesBadSymbol() {
        let spec = SymbolSpec(symbol: "<img src=x onerror=alert(1)>", tickSize: "0.1", stepSize: "0.001", minQuantity: "0.001",
                              minNotional: "5", maxLeverage: 100, takerFeeRate: "0.0005", makerFeeRate: "0.0002", slippage: "0.005",
                              tiers: [MaintenanceTier(notionalCeiling: "1000000", mmr: "0.005", cum: "0")])
        #expect(throws: DomainError.invalid("symbol", "may contain only uppercase letters A-Z and digits (and '-' or '_' after the first character), got \"<img src=x onerror=alert(1)>\"")) {
            try spec.validate()
        }
    }
}
