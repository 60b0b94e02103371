import Foundation
import Testing

/// `copyctl calc` as a user runs it: output formats, exit codes and refusals naming the field.
@Suite("copyctl calc command line", .timeLimit(.minutes(3)))
struct CLITests {
    @Test func liquidationJSON() async throws {
        let r = try await copyctl(["calc", "liq", "--symbol", "BTCUSDT", "--side", "long", "--entry", "20000", "--qty", "0.5",
                             "--margin", "2000", "--json"])
        #expect(r.status == 0)
        #expect(r.out.contains(#""liquidationPriceRounded":"16061.5""#))
        #expect(r.out.contains(#""bankruptcyPrice":"16000""#))
    }

    @Test func globalOptionsMayComeFirst() async throws {
        let r = try await copyctl(["--json", "calc", "recommend", "--copier-equity", "10000", "--trader-equity", "20000"])
        #expect(r.status == 0)
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"min":"0.25","max":"0.5"}"#)
    }

    @Test func automarginText() async throws {
        let r = try await copyctl(["calc", "automargin", "--symbol", "BTCUSDT", "--side", "long", "--entry", "20000", "--qty", "0.5",
                             "--margin", "1000", "--leverage", "10", "--available", "1500", "--amount", "1000",
                             "--path", "18069.2,16061.5,15057.7"])
        #expect(r.status == 0)
        #expect(r.out.contains("liquidated  yes"))
    }

    static let refusals: [(args: [String], field: String, rule: String)] = [
        (["calc", "liq", "--side", "long", "--entry", "20000", "--qty", "0", "--margin", "1000"], "--qty", "greater than 0"),
        (["calc", "liq", "--side", "long", "--entry", "20000", "--qty=-1", "--margin", "1000"], "--qty", "greater than 0"),
        (["calc", "liq", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1.000000001"], "--margin", "more than 8 decimal places"),
        (["calc", "liq", "--side", "long", "--entry", "2x0", "--qty", "0.5", "--margin", "1"], "--entry", "decimal number"),
        (["calc", "liq", "--preset", "ftx", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1"], "--preset", "bingx"),
        (["calc", "liq", "--symbol", "NOPEUSDT", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1"], "--symbol", "unknown symbol"),
        (["calc", "liq", "--symbol", "BTCUSDT", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--leverage", "151"], "--leverage", "150"),
        (["calc", "liq", "--side", "up", "--entry", "20000", "--qty", "0.5", "--margin", "1"], "--side", "long or short"),
        (["calc", "size", "--mode", "proportional", "--multiplier", "10.5", "--side", "long", "--fill", "20000", "--qty", "0.5", "--leverage", "10", "--symbol", "BTCUSDT"], "--multiplier", "between 0.01 and 10"),
        (["calc", "size", "--mode", "proportional", "--multiplier", "0.001", "--side", "long", "--fill", "20000", "--qty", "0.5", "--leverage", "10"], "--multiplier", "between 0.01 and 10"),
        (["calc", "size", "--mode", "fixed", "--side", "long", "--fill", "20000", "--qty", "0.5", "--leverage", "10"], "--fixed-margin", "required"),
        (["calc", "size", "--mode", "proportional", "--multiplier", "1", "--side", "long", "--fill", "20000", "--qty", "0.5", "--leverage", "200", "--symbol", "BTCUSDT"], "--leverage", "150"),
        (["calc", "recommend", "--copier-equity", "0", "--trader-equity", "20000"], "--copier-equity", "greater than 0"),
        (["calc", "sync", "--trader-margin-before", "0", "--delta", "1", "--copier-margin", "1", "--available", "1"], "--trader-margin-before", "greater than 0"),
        (["calc", "automargin", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--available", "1", "--amount", "1", "--path", "1,x"], "--path[1]", "decimal number"),
    ]

    @Test(arguments: 0..<refusals.count)
    func refusesBadInputNamingTheField(index: Int) async throws {
        let c = Self.refusals[index]
        let r = try await copyctl(c.args + ["--json"])
        #expect(r.status == 1, "\(c.args): \(r.out) \(r.err)")
        #expect(r.err.contains("\(c.field): "), "stderr: \(r.err)")
        #expect(r.err.contains(c.rule), "stderr: \(r.err)")
        #expect(r.out.contains(#""field":"\#(c.field)""#), "stdout: \(r.out)")
    }

    @Test func unreachableModuleIsExitTwo() async throws {
        let r = try await copyctl(["calc", "recommend", "--copier-equity", "1", "--trader-equity", "2", "--via", "unix:/tmp/no-such-copytrade.sock"])
        #expect(r.status == 2)
        #expect(r.err.contains("unix:/tmp/no-such-copytrade.sock"))
    }
}
