import Foundation
import Testing

/// Issue 9 at the command line: every refusal names its field, and with `--json` every refusal
/// (the parser's included) is one JSON error object on stdout, with the text on stderr.
@Suite("copyctl calc refusals (issue 9)", .timeLimit(.minutes(3)))
struct CLIRefusalTests {
    static let refusals: [(args: [String], field: String, rule: String)] = [
        (["calc", "automargin", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--available", "1",
          "--amount", "1", "--path", "18069.2,,16061.5"], "--path[1]", "empty"),
        (["calc", "automargin", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--available", "1",
          "--amount", "1", "--path", "18069.2,0"], "--path[1]", "greater than 0"),
        (["calc", "liq", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "0"], "--margin", "greater than 0"),
        (["calc", "sync", "--trader-margin-before", "1000", "--delta", "500", "--copier-margin", "250", "--available", "1000",
          "--occurred", "2026-01-01T00:00:00Z", "--received", "2026-01-01T00:01:00.0005Z"], "--received", "millisecond"),
        (["calc", "liq", "--side", "short", "--entry", "90000000000", "--qty", "1", "--margin", "90000000000", "--leverage", "1"],
         "liquidationPrice", "overflow"),
        (["calc", "sync", "--trader-margin-before", "0.00000001", "--delta", "90000000000", "--copier-margin", "90000000000",
          "--available", "90000000000"], "copierDelta", "overflow"),
        (["calc", "liq", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--leverage", "x"],
         "--leverage", "invalid"),
        (["calc", "liq", "--entry", "20000", "--qty", "0.5", "--margin", "1000"], "--side", "Missing"),
        (["calc", "liq", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--colour", "red"], "--colour", "Unknown"),
    ]

    @Test(arguments: 0..<refusals.count)
    func refusalNamesTheFieldAsJSON(index: Int) async throws {
        let c = Self.refusals[index]
        let r = try await copyctl(c.args + ["--json"])
        #expect(r.status != 0, "\(c.args): \(r.out)")
        #expect(r.err.contains(c.field), "stderr: \(r.err)")
        let line = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.contains("\n") && line.hasPrefix("{\"error\":{"), "stdout: \(r.out)")
        #expect(line.contains(#""field":"\#(c.field)""#), "stdout: \(r.out)")
        #expect(line.contains(c.rule), "stdout: \(r.out)")
    }

    @Test func liquidationShownIsWhereThePositionIsLiquidatable() async throws {
        let r = try await copyctl(["calc", "liq", "--side", "long", "--entry", "20000", "--qty", "1000", "--margin", "2000065.20643601",
                                   "--mmr", "0.00333333", "--cum", "0", "--fee", "0.0005", "--leverage", "10", "--tick", "0.1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains(#""liquidationPriceRounded":"18069.1""#), "\(r.out)")
    }

    @Test func sizeTextNamesTheRuleTerms() async throws {
        let r = try await copyctl(["calc", "size", "--mode", "proportional", "--multiplier", "1", "--side", "long", "--fill", "0.12979",
                                   "--qty", "1000", "--leverage", "10", "--symbol", "DOGEUSDT", "--slippage", "0.0399"])
        #expect(r.status == 0, "\(r.err)")
        for line in ["copierOpenValue  129.79", "copierMargin     12.979", "orderValue       124.07924", "orderMargin      12.407924",
                     "worstPrice       0.13496"] {
            #expect(r.out.contains(line), "\(r.out)")
        }
    }
}
