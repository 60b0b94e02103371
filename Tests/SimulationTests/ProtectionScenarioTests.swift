import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
@testable import Simulation

/// examples/protections.yaml reproduces SPEC §8 and §9's worked examples through the real
/// coordinator, and the report and summary show them.
@Suite("Scenario protections: runs", .timeLimit(.minutes(3)))
struct ProtectionScenarioTests {
    static func d(_ units: Int64) -> Decimal8 { Decimal8(units: units) }

    static func one(_ r: SimulationResult, _ kind: String, _ account: String) throws -> Copytrade_V1_Event {
        let found = r.events.filter { $0.kind == kind && $0.accountID == account }
        try #require(found.count == 1, "\(kind) of \(account): \(found.count)")
        return found[0]
    }

    static func t(_ e: Copytrade_V1_Event) -> Millis { e.atMs - Scenario.epochMs }
    static func minus(_ a: Decimal8, _ b: Decimal8) throws -> Decimal8 { try a - b }
    static func plus(_ a: Decimal8, _ b: Decimal8) throws -> Decimal8 { try a + b }

    @Test("C1's copy is stopped out at 19,400; C2's relation stops at 19,807.9; C3 pays 48.48525 to T2")
    func workedExamples() async throws {
        let dir = Paths.temporary("prot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await simulate("protections.yaml", into: dir)
        func row(_ id: String) throws -> AccountSummary { try #require(r.summary.accounts.first { $0.id == id }) }

        // SPEC §8 take profit / stop loss: copy 0.1237 at 20,000 (margin 247.4, fee 1.237), SL 19,400.
        let opened = try Self.one(r, "copy.opened", "C1")
        #expect(Self.d(opened.quantityE8) == "0.1237" && Self.d(opened.priceE8) == "20000" && Self.d(opened.amountE8) == "247.4")
        let stop = try Self.one(r, "copy.stop_loss", "C1")
        #expect(Self.t(stop) == 50_000)
        #expect(stop.symbol == "BTCUSDT" && stop.positionID == opened.positionID)
        #expect(Self.d(stop.priceE8) == "19400")
        #expect(Self.d(stop.quantityE8) == "0.1237")
        #expect(Self.d(stop.amountE8) == (try Self.minus("-74.22", "1.19989")))   // realized PnL minus closing fee
        #expect(try row("C1").realizedPnl == "-74.22")
        #expect(try row("C1").fees == (try Self.plus("1.237", "1.19989")))
        #expect(try row("C1").equity == "4923.34311")
        #expect(try row("C1").wallet == "4923.34311")
        #expect(!r.events.contains { $0.kind == "copy.take_profit" && $0.accountID == "C1" })
        // T1's own position stays open.
        #expect(!r.events.contains { $0.accountID == "T1" && ($0.kind == "position.closed" || $0.kind == "position.reduced") })

        // SPEC §8 relation stop loss: nothing at 19,808.0 (net -99.99), stopped at 19,807.9.
        #expect(Self.d(try Self.one(r, "copy.opened", "C2").quantityE8) == "0.495")
        let stopped = try Self.one(r, "relation.stopped", "C2")
        #expect(Self.t(stopped) == 30_000, "not at 19,808.0 (20s): net -99.99 is above -100")
        let closed = try Self.one(r, "copy.closed", "C2")
        #expect(Self.t(closed) == 30_000)
        #expect(Self.d(closed.priceE8) == "19807.9" && Self.d(closed.quantityE8) == "0.495")
        #expect(Self.d(closed.amountE8) == (try Self.minus("-95.0895", "4.90245525")))
        #expect(try row("C2").realizedPnl == "-95.0895")
        #expect(try row("C2").fees == (try Self.plus("4.95", "4.90245525")))
        #expect(try row("C2").relationStops == 1)

        // The take profit: C4's copy (TP 21,000) closes when the mark reaches it.
        let tp = try Self.one(r, "copy.take_profit", "C4")
        #expect(Self.t(tp) == 80_000 && Self.d(tp.priceE8) == "21000" && Self.d(tp.quantityE8) == "0.1237")
        #expect(Self.d(tp.amountE8) == (try Self.minus("123.7", "1.29885")))

        // symbols: C5 copies ETHUSDT only; maxCopiers: T2 takes one copier.
        #expect(try Self.one(r, "copy.skipped", "C5").reason == "symbol_not_copied")
        #expect(r.refusals.map(\.what) == ["follow C5 T2"])
        #expect(r.refusals.first?.reason.contains("maxCopiers") == true, "\(r.refusals)")

        // SPEC §9 through the engine: N = 495 - 4.95 - 5.1975 = 484.8525; 10% of it is paid.
        #expect(try row("C3").realizedPnl == "495")
        let paid = try Self.one(r, "profit_share.paid", "C3")
        let received = try Self.one(r, "profit_share.received", "T2")
        #expect(Self.d(paid.amountE8) == "48.48525" && Self.d(received.amountE8) == "48.48525")
        #expect(Self.t(paid) == 90_000 && Self.t(received) == 90_000)
        #expect(!r.events.contains { $0.kind == "profit_share.short" })
        #expect(try row("C3").profitSharePaid == "48.48525" && row("T2").profitShareReceived == "48.48525")
        #expect(try row("C3").equity == "10436.36725")

        // The summary's counts.
        #expect(r.summary.takeProfits == 1 && r.summary.stopLosses == 1 && r.summary.relationStops == 1)
        #expect(r.summary.profitSharePaid == "48.48525")
        #expect(r.summary.hasProtections)
        #expect(r.summary.table().contains("take profits: 1   stop losses: 1   relation stops: 1   profit share paid: 48.48525"))
        #expect(r.summary.table().split(separator: "\n").first?.hasSuffix("take profits  stop losses  relation stops  share paid  share received") == true)
    }

    @Test("the report marks the take profit and the stop loss on the price chart and lists the payments and the stop")
    func report() async throws {
        let dir = Paths.temporary("protr")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var r = try await simulate("protections.yaml", into: dir)
        let html = try String(contentsOfFile: (dir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        let chart = try #require(html.range(of: "<svg id=\"chart-BTCUSDT\"").flatMap { start in
            html[start.lowerBound...].range(of: "</svg>").map { String(html[start.lowerBound..<$0.upperBound]) } })
        #expect(chart.components(separatedBy: "class=\"take-profit-event\"").count == 2)
        #expect(chart.components(separatedBy: "class=\"stop-loss-event\"").count == 2)
        #expect(chart.contains("<title>1m20s C4 copy.take_profit 122.40115 at 21000"))
        #expect(chart.contains("<title>50s C1 copy.stop_loss -75.41989 at 19400"))
        #expect(chart.components(separatedBy: "class=\"relation-stop-event\"").count == 2)
        // Distinct from liquidation (✕) and auto margin (▲), each with its legend entry.
        #expect(html.contains("◆ copy take profit"))
        #expect(html.contains("■ copy stop loss"))
        #expect(!chart.contains("liquidation-event") && !chart.contains("automargin-event"))

        #expect(html.contains("<table class=\"profit-share\">"))
        #expect(html.contains("<tr class=\"profit-share-paid\"><td>1m30s</td><td>C3</td><td>48.48525</td><td></td><td></td>"))
        #expect(html.contains("<tr class=\"profit-share-received\"><td>1m30s</td><td>T2</td><td></td><td>48.48525</td><td></td>"))
        #expect(html.contains("<li class=\"relation-stop\">30s C2"))
        #expect(html.contains("<th>take profits</th><th>stop losses</th><th>relation stops</th><th>share paid</th><th>share received</th>"))
        #expect(ReportEscapingTests.onlyOwnMarkup(html) == [])

        // Ids, reasons and details in these parts are text, never markup.
        let hostile = ReportEscapingTests.hostile
        for kind in ["copy.take_profit", "copy.stop_loss", "relation.stopped", "profit_share.paid", "profit_share.short", "settlement.run"] {
            var e = Copytrade_V1_Event()
            e.kind = kind
            e.accountID = hostile
            e.symbol = "BTCUSDT"
            e.priceE8 = 2_000_000_000_000
            e.amountE8 = 100_000_000
            e.reason = hostile
            e.detail = "\"><svg onload=alert(3)>"
            e.atMs = Scenario.epochMs + 5_000
            r.events.append(e)
        }
        let scenario = try ScenarioParser.load(path: Paths.example("protections.yaml"))
        let page = HTMLReport.page([r], scenario: scenario)
        #expect(!page.contains(hostile) && !page.contains("<svg onload"))
        #expect(page.contains("<td>&lt;img src=x onerror=alert(1)&gt;</td>"))
        #expect(ReportEscapingTests.onlyOwnMarkup(page) == [], "\(ReportEscapingTests.onlyOwnMarkup(page))")
    }

    @Test("a run without protections keeps its table and page as they were")
    func noProtections() async throws {
        let dir = Paths.temporary("noprot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await simulate("seed-auto-margin.yaml", into: dir)
        #expect(!r.summary.hasProtections)
        #expect(r.summary.shownColumns == RunSummary.columns)
        #expect(r.summary.table().hasSuffix("insurance ledger: 2500   events: \(r.events.count)"))
        let html = try String(contentsOfFile: (dir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        for part in ["<table class=\"profit-share\"", "take-profit-event", "stop-loss-event", "relation-stop", "take profits"] {
            #expect(!html.contains(part), "\(part)")
        }
    }

    static let scheduled = """
    name: scheduled
    accounts:
      - {id: T, role: trader, deposit: "10000", profitShareRatio: "0.1"}
      - {id: C, role: copier, deposit: "10000"}
    follows:
      - {copier: C, trader: T, multiplier: "1", leverage: 10}
    marks:
      BTCUSDT:
        - {at: 0s, price: "20000"}
        - {at: 1m, price: "21000"}
        - {at: 95h, price: "21000"}
        - {at: 100h, price: "21000"}
    actions:
      - {do: open, at: 1s, account: T, symbol: BTCUSDT, side: long, qty: "0.5", price: "20000", leverage: 10}
      - {do: close, at: 2m, account: T, symbol: BTCUSDT, price: "21000"}

    """

    @Test("the weekly settlement (Monday 00:00 UTC, 96h after the Thursday start) runs at its own time, between steps")
    func weeklySettlement() async throws {
        let dir = Paths.temporary("weekly")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try ScenarioParser.parse(Self.scheduled, file: "scheduled.yaml", base: ".")
        let r = try await SimulationRunner().run(s, outDirectory: dir)
        let paid = try Self.one(r, "profit_share.paid", "C")
        #expect(Self.d(paid.amountE8) == "48.48525")
        #expect(Self.t(paid) == 96 * 3_600_000)
        let run = try #require(r.events.first { $0.kind == "settlement.run" })
        #expect(run.reason == "scheduled" && Self.t(run) == 96 * 3_600_000)
        #expect(run.inputKey == "settle-schedule:\(Scenario.epochMs + 96 * 3_600_000)")
        // One per schedule time: the run ends at 100h, before the next Monday.
        #expect(r.events.filter { $0.kind == "settlement.run" }.count == 1)
        let page = HTMLReport.page([r], scenario: s)
        #expect(page.contains("<tr class=\"profit-share-paid\"><td>96h</td><td>C</td><td>48.48525</td>"))
        #expect(page.contains("settlements: 96h"))
    }

    @Test("engine.settlementSchedule sets the schedule: daily at 12:00 settles at 12h, 36h, ...")
    func dailySettlement() async throws {
        let dir = Paths.temporary("daily")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yaml = Self.scheduled.replacingOccurrences(of: "name: scheduled\n", with: "name: scheduled\nengine:\n  settlementSchedule: daily@12:00\n")
            .replacingOccurrences(of: "{at: 95h,", with: "{at: 11h,")
        let s = try ScenarioParser.parse(yaml, file: "scheduled.yaml", base: ".")
        let r = try await SimulationRunner().run(s, outDirectory: dir)
        let paid = try Self.one(r, "profit_share.paid", "C")
        #expect(Self.t(paid) == 12 * 3_600_000)
        // Every day at 12:00 up to the last step (100h): 12h, 36h, 60h, 84h; only the first pays.
        #expect(r.events.filter { $0.kind == "settlement.run" }.map(Self.t) == [12, 36, 60, 84].map { $0 * 3_600_000 })
    }
}
