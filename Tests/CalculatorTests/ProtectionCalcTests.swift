import Calculators
import CopyTradeCore
import Foundation
import Testing

/// `copyctl calc tpsl` and `copyctl calc share` as a user runs them: the worked examples of
/// docs/protections.md in text and JSON, and refusals naming the option to fix.
@Suite("copyctl calc tpsl and share", .timeLimit(.minutes(3)))
struct ProtectionCalcTests {
    // MARK: tpsl

    /// BTCUSDT (tick 0.1): long 20000 at 10x, tp 0.5, sl 0.3 → TP 21000, SL 19400.
    @Test func tpslWorkedExampleText() async throws {
        let r = try await copyctl(["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.5",
                                   "--sl-ratio", "0.3", "--symbol", "BTCUSDT"])
        #expect(r.status == 0, "\(r.err)")
        for line in ["tick             0.1", "takeProfitExact  21000", "takeProfit       21000", "stopLossExact    19400",
                     "stopLoss         19400"] {
            #expect(r.out.contains(line + "\n"), "\(r.out)")
        }
    }

    @Test func tpslWorkedExampleJSON() async throws {
        let r = try await copyctl(["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.5",
                                   "--sl-ratio", "0.3", "--tick", "0.1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"side":"long","entry":"20000","leverage":10,"tick":"0.1","#
                + #""takeProfitRatio":"0.5","takeProfitExact":"21000","takeProfit":"21000","#
                + #""stopLossRatio":"0.3","stopLossExact":"19400","stopLoss":"19400"}"#)
    }

    /// The same copy short: TP 20000*(1 - 0.05) = 19000 below, SL 20000*(1 + 0.03) = 20600 above.
    @Test func tpslShort() async throws {
        let r = try await copyctl(["calc", "tpsl", "--side", "short", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.5",
                                   "--sl-ratio", "0.3", "--symbol", "BTCUSDT", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains(#""takeProfit":"19000""#), "\(r.out)")
        #expect(r.out.contains(#""stopLoss":"20600""#), "\(r.out)")
    }

    /// Off the tick: 100*(1 ± 0.1/3). The long's take profit rounds up (it fires at or above),
    /// its stop loss down; the exact values show the 8-place figures rounded the same way.
    @Test func tpslRoundsEachTriggerTowardItsRule() async throws {
        let r = try await copyctl(["calc", "tpsl", "--side", "long", "--entry", "100", "--leverage", "3", "--tp-ratio", "0.1",
                                   "--sl-ratio", "0.1", "--tick", "0.01", "--json"])
        #expect(r.status == 0, "\(r.err)")
        for field in [#""takeProfitExact":"103.33333334""#, #""takeProfit":"103.34""#, #""stopLossExact":"96.66666666""#,
                      #""stopLoss":"96.66""#] {
            #expect(r.out.contains(field), "\(r.out)")
        }
    }

    /// A stop loss of L or more on a long has no price: "none", with the formula's value
    /// (20000*(1 - 12/10) = -4000) to show why.
    @Test func tpslLongStopLossBeyondLeverageIsNone() async throws {
        let text = try await copyctl(["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--sl-ratio", "12",
                                      "--symbol", "BTCUSDT"])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out.contains("stopLoss         none"), "\(text.out)")
        #expect(text.out.contains("stopLossExact    -4000"), "\(text.out)")
        #expect(text.out.contains("takeProfit       off"), "\(text.out)")
        let json = try await copyctl(["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--sl-ratio", "10",
                                      "--json"])
        #expect(json.status == 0, "\(json.err)")
        #expect(json.out.contains(#""stopLossExact":"0","stopLoss":"none""#), "\(json.out)")
        #expect(json.out.contains(#""takeProfitRatio":"off","takeProfitExact":"off","takeProfit":"off""#), "\(json.out)")
    }

    /// Neither `--symbol` nor `--tick`: 1e-8, the exact price's own precision.
    @Test func tpslWithoutSymbolOrTickUsesTheUnit() async throws {
        let r = try await copyctl(["calc", "tpsl", "--side", "long", "--entry", "100", "--leverage", "3", "--tp-ratio", "0.1", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains(#""tick":"0.00000001""#), "\(r.out)")
        #expect(r.out.contains(#""takeProfit":"103.33333334""#), "\(r.out)")
    }

    // MARK: share

    /// The engine's example: N = 484.8525 at r = 0.1 pays 48.48525.
    @Test func shareEngineExampleText() async throws {
        let r = try await copyctl(["calc", "share", "--net", "484.8525", "--ratio", "0.1"])
        #expect(r.status == 0, "\(r.err)")
        for line in ["due           48.48525", "paid          48.48525", "sharedAfter   48.48525", "short         no",
                     "stillDue      0", "available     unlimited"] {
            #expect(r.out.contains(line), "\(r.out)")
        }
    }

    @Test func shareEngineExampleJSON() async throws {
        let r = try await copyctl(["calc", "share", "--net", "484.8525", "--ratio", "0.1", "--shared", "0", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == #"{"net":"484.8525","ratio":"0.1","sharedBefore":"0","#
                + #""available":"unlimited","due":"48.48525","paid":"48.48525","sharedAfter":"48.48525","short":false,"stillDue":"0"}"#)
    }

    /// The Binance table at r = 0.1, each week settled with the `shared` the previous one left:
    /// 200 → pays 20; 50 → 0; 150 → 0; 300 → pays 10, 30 shared in all.
    @Test func shareBinanceTable() async throws {
        var shared = "0"
        for (week, net, due, after) in [(1, "200", "20", "20"), (2, "50", "0", "20"), (3, "150", "0", "20"), (4, "300", "10", "30")] {
            let r = try await copyctl(["calc", "share", "--net", net, "--ratio", "0.1", "--shared", shared, "--json"])
            #expect(r.status == 0, "week \(week): \(r.err)")
            let o = try Self.object(r.out)
            #expect(o["due"] as? String == due, "week \(week): \(r.out)")
            #expect(o["paid"] as? String == due, "week \(week): \(r.out)")
            #expect(o["sharedAfter"] as? String == after, "week \(week): \(r.out)")
            #expect(o["short"] as? Bool == false, "week \(week): \(r.out)")
            shared = try #require(o["sharedAfter"] as? String)
        }
        #expect(shared == "30")
    }

    /// Short of balance: 7.5 of the 20 due is paid, 12.5 stays due and is paid next time.
    @Test func sharePartialPaymentStaysDue() async throws {
        let first = try await copyctl(["calc", "share", "--net", "200", "--ratio", "0.1", "--available", "7.5"])
        #expect(first.status == 0, "\(first.err)")
        for line in ["due           20", "paid          7.5", "sharedAfter   7.5", "short         yes", "stillDue      12.5"] {
            #expect(first.out.contains(line), "\(first.out)")
        }
        let second = try await copyctl(["calc", "share", "--net", "200", "--ratio", "0.1", "--shared", "7.5", "--available", "100", "--json"])
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains(#""due":"12.5","paid":"12.5","sharedAfter":"20","short":false,"stillDue":"0""#), "\(second.out)")
    }

    /// A loss after a profit is never refunded: nothing due, `shared` unchanged.
    @Test func shareLossIsNotRefunded() async throws {
        let r = try await copyctl(["calc", "share", "--net", "-300", "--ratio", "0.1", "--shared", "20", "--json"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains(#""due":"0","paid":"0","sharedAfter":"20","short":false"#), "\(r.out)")
    }

    // MARK: Refusals

    static let refusals: [(args: [String], field: String, rule: String)] = [
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0"], "--tp-ratio", "greater than 0"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--sl-ratio", "-0.3"], "--sl-ratio", "greater than 0"),
        (["calc", "tpsl", "--side", "up", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.5"], "--side", "long or short"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10"], "--tp-ratio", "--sl-ratio is required"),
        (["calc", "tpsl", "--side", "long", "--entry", "0", "--leverage", "10", "--tp-ratio", "0.5"], "--entry", "greater than 0"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "0", "--tp-ratio", "0.5"], "--leverage", "greater than 0"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "151", "--tp-ratio", "0.5", "--symbol", "BTCUSDT"],
         "--leverage", "150"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.5", "--tick", "0"], "--tick", "greater than 0"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.5", "--symbol", "NOPEUSDT"],
         "--symbol", "unknown symbol"),
        (["calc", "tpsl", "--side", "long", "--entry", "20000", "--leverage", "10", "--tp-ratio", "0.000000001"], "--tp-ratio", "8 decimal places"),
        (["calc", "share", "--net", "200", "--ratio", "0.6"], "--ratio", "between 0 and 0.5"),
        (["calc", "share", "--net", "200", "--ratio", "-0.1"], "--ratio", "between 0 and 0.5"),
        (["calc", "share", "--net", "200", "--ratio", "0.1", "--shared", "-1"], "--shared", "negative"),
        (["calc", "share", "--net", "lots", "--ratio", "0.1"], "--net", "decimal number"),
        (["calc", "share", "--net", "200", "--ratio", "0.1", "--available", "1e3"], "--available", "decimal number"),
    ]

    @Test(arguments: 0..<refusals.count)
    func refusesBadInputNamingTheOption(index: Int) async throws {
        let c = Self.refusals[index]
        let r = try await copyctl(c.args + ["--json"])
        #expect(r.status == 1, "\(c.args): \(r.out) \(r.err)")
        #expect(r.err.contains("\(c.field): "), "stderr: \(r.err)")
        #expect(r.err.contains(c.rule), "stderr: \(r.err)")
        let line = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix(#"{"error":{"#) && line.contains(#""field":"\#(c.field)""#), "stdout: \(r.out)")
    }

    /// Without `--json` a refusal prints nothing on stdout, the reason on stderr.
    @Test func textRefusalGoesToStderr() async throws {
        let r = try await copyctl(["calc", "share", "--net", "200", "--ratio", "0.6"])
        #expect(r.status == 1)
        #expect(r.out.isEmpty, "\(r.out)")
        #expect(r.err.contains("copyctl: error: --ratio: must be between 0 and 0.5, got 0.6"), "\(r.err)")
    }

    // MARK: In process

    /// The calculator entry points answer the same as the command line.
    @Test func calculatorMatchesTheWorkedExamples() async throws {
        var t = TriggerInput()
        t.side = .long
        t.entry = 20000
        t.leverage = 10
        t.takeProfitRatio = "0.5"
        t.stopLossRatio = "0.3"
        t.symbol = "BTCUSDT"
        let triggers = try await Calculator(via: nil).tpsl(t)
        #expect(triggers["takeProfit"] == .decimal(21000))
        #expect(triggers["stopLoss"] == .decimal(19400))
        var s = ShareInput()
        s.net = "484.8525"
        s.ratio = "0.1"
        let share = try await Calculator(via: nil).share(s)
        #expect(share["paid"] == .decimal("48.48525"))
        #expect(share["short"] == .bool(false))
    }

    static func object(_ text: String) throws -> [String: Any] {
        let data = Data(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
