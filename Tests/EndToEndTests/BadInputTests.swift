import Testing

/// Refused inputs (SPEC §6: a refusal changes nothing): each exits non-zero, names the field in
/// its JSON error and on stderr, and leaves accounts, positions and status as they were.
@Suite("Bad input", .timeLimit(.minutes(3)))
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var args: [String]
        var field: String
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "unknown account", args: ["deposit", "NOPE", "10"], field: "account"),
        Case(name: "unknown account in a margin change", args: ["trader", "margin", "add", "NOPE", "BTCUSDT", "5"], field: "account"),
        Case(name: "unknown symbol", args: ["trader", "open", "T", "FOOUSDT", "--side", "long", "--qty", "0.1", "--price", "100"], field: "symbol"),
        Case(name: "unknown symbol for a mark", args: ["price", "set", "FOOUSDT", "1"], field: "symbol"),
        Case(name: "negative deposit", args: ["deposit", "T", "-5"], field: "amount"),
        Case(name: "zero deposit", args: ["deposit", "T", "0"], field: "amount"),
        Case(name: "zero withdrawal", args: ["withdraw", "T", "0"], field: "amount"),
        Case(name: "negative margin add", args: ["trader", "margin", "add", "T", "BTCUSDT", "-5"], field: "amount"),
        Case(name: "negative mark", args: ["price", "set", "BTCUSDT", "-1"], field: "price"),
        Case(name: "negative quantity", args: ["trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "-0.1", "--price", "20000"], field: "quantity"),
        Case(name: "following oneself", args: ["follow", "C", "C", "--multiplier", "1"], field: "trader"),
        Case(name: "withdrawing more than available", args: ["withdraw", "T", "99000"], field: "amount"),
        Case(name: "adding more margin than available", args: ["trader", "margin", "add", "T", "BTCUSDT", "99000"], field: "amount"),
        Case(name: "reducing beyond the maximum reducible", args: ["trader", "margin", "reduce", "T", "BTCUSDT", "600"], field: "amount"),
        Case(name: "malformed decimal", args: ["deposit", "T", "12.3.4"], field: "amount"),
        Case(name: "nine decimal places", args: ["deposit", "T", "1.123456789"], field: "amount"),
        Case(name: "malformed price", args: ["trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.1", "--price", "2O000"], field: "--price"),
        Case(name: "leverage above the symbol's maximum", args: ["trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.1", "--price", "20000", "--leverage", "151"], field: "leverage"),
        Case(name: "follow leverage above the symbol's maximum", args: ["follow", "C", "T", "--multiplier", "1", "--symbol-leverage", "BTCUSDT=151"], field: "symbolLeverage.BTCUSDT"),
        Case(name: "follow leverage above every symbol's maximum", args: ["follow", "C", "T", "--multiplier", "1", "--leverage", "500"], field: "leverage"),
        Case(name: "multiplier out of bounds", args: ["follow", "C", "T", "--multiplier", "11"], field: "multiplier"),
        // Issue 10: values that had been accepted silently.
        Case(name: "--at yesterday on a deposit", args: ["deposit", "T", "10", "--at", "yesterday"], field: "--at"),
        Case(name: "--at on a withdrawal, which has no occurrence time", args: ["withdraw", "T", "10", "--at", "2026-11-22T10:00:00Z"], field: "--at"),
        Case(name: "--at on an account creation", args: ["account", "create", "N", "--role", "trader", "--at", "yesterday"], field: "--at"),
        Case(name: "--at 2026-13-45 on auto margin", args: ["automargin", "on", "T", "--symbol", "BTCUSDT", "--amount", "10", "--at", "2026-13-45"], field: "--at"),
        Case(name: "--at -5 on a mark", args: ["price", "set", "BTCUSDT", "20001", "--at", "-5"], field: "--at"),
        Case(name: "--at 0 on a margin change", args: ["trader", "margin", "add", "T", "BTCUSDT", "5", "--at", "0"], field: "--at"),
        Case(name: "--at in 2100", args: ["price", "set", "BTCUSDT", "20001", "--at", "2100-01-01T00:00:00Z"], field: "at"),
        Case(name: "mark off the tick", args: ["price", "set", "BTCUSDT", "20000.05"], field: "price"),
        Case(name: "mark a hundredfold above the last", args: ["price", "set", "BTCUSDT", "2000000.1"], field: "price"),
        Case(name: "mark of Int64.max on the tick", args: ["price", "set", "BTCUSDT", "92233720368.5"], field: "price"),
        Case(name: "mark below a hundredth of the last", args: ["price", "set", "BTCUSDT", "199.9"], field: "price"),
        Case(name: "a copier opening its own position", args: ["trader", "open", "C", "BTCUSDT", "--side", "long", "--qty", "0.001", "--price", "20000"], field: "account"),
        Case(name: "a copier placing an order", args: ["trader", "order", "place", "C", "BTCUSDT", "--side", "long", "--qty", "0.001", "--price", "20000"], field: "account"),
        Case(name: "negative deposit in exponent form", args: ["deposit", "T", "-1e3"], field: "amount"),
        Case(name: "negative deposit with a thousands separator", args: ["deposit", "T", "-5,000"], field: "amount"),
        Case(name: "negative withdrawal", args: ["withdraw", "T", "-5", "--key", "w-5"], field: "amount"),
    ]

    @Test("a refused input changes nothing and names the field", arguments: cases)
    func refusedInputChangesNothing(_ c: Case) async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("account", "create", "C", "--role", "copier")
        try await d.must("deposit", "T", "10000")
        try await d.must("deposit", "C", "1000")
        try await d.must("price", "set", "BTCUSDT", "20000")
        // Margin 1000, of which at most 500 is reducible at 20000 after adding 500.
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000")
        try await d.must("trader", "margin", "add", "T", "BTCUSDT", "500")
        let before = try await d.visibleState()
        let r = try await d.copyctl(c.args)
        #expect(r.exit == 1, "\(r.summary)")
        #expect(r.errorField == c.field, "\(r.summary)")
        #expect(r.stderr.contains(c.field), "\(r.summary)")
        #expect(try await d.visibleState() == before)
        #expect(await d.stop() == 0)
    }
}
