import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
@testable import Simulation

/// Text from input files (names, ids, symbols, descriptions, reasons) reaches `report.html` as
/// text and `history.csv` as inert cells.
@Suite("Report and history escaping", .timeLimit(.minutes(3)))
struct ReportEscapingTests {
    static let hostile = "<img src=x onerror=alert(1)>"

    @Test("one escaper for element text and attribute values", arguments: [
        ("plain BTCUSDT ▲", "plain BTCUSDT ▲"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ("a & b", "a &amp; b"),
        ("\"><script>", "&quot;&gt;&lt;script&gt;"),
        ("it's", "it&#39;s"),
        ("nul\u{0}esc\u{1B}c1\u{85}", "nul\u{FFFD}esc\u{FFFD}c1\u{FFFD}"),
    ])
    func htmlText(_ input: String, _ expected: String) {
        #expect(HTMLText.escaped(input) == expected)
    }

    static let small = """
    name: escaping
    description: "<script>alert('d')</script> & more"
    accounts:
      - {id: T1, role: trader, deposit: "10000"}
      - {id: C1, role: copier, deposit: "5000"}
    follows:
      - {copier: C1, trader: T1, multiplier: "1", leverage: 10}
    marks:
      BTCUSDT:
        - {at: 0s, price: "20000"}
        - {at: 10s, price: "20100"}
    actions:
      - {do: open, at: 1s, account: T1, symbol: BTCUSDT, side: long, qty: "0.1"}
      - {do: withdraw, at: 2s, account: C1, amount: "999999"}
    """

    /// Every tag in the page is one the report writes, none carries an event handler, and no
    /// attribute value lets a quote out (each value's text is escaped).
    static func onlyOwnMarkup(_ page: String) -> [String] {
        let allowed: Set<String> = ["!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "div", "p", "span", "i",
                                    "svg", "path", "text", "rect", "line", "circle", "table", "tr", "th", "td", "ul", "li"]
        var bad: [String] = []
        var rest = page[...]
        while let open = rest.firstIndex(of: "<") {
            let close = rest[open...].firstIndex(of: ">") ?? rest.endIndex
            let tag = String(rest[rest.index(after: open)..<close])
            let name = String(tag.drop(while: { $0 == "/" }).prefix(while: { !$0.isWhitespace && $0 != "/" }))
            // Attribute values are quoted text; an event handler would be an attribute name.
            let names = tag.replacingOccurrences(of: #""[^"]*""#, with: "\"\"", options: .regularExpression)
            if !allowed.contains(name) || names.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil { bad.append(tag) }
            rest = close < rest.endIndex ? rest[rest.index(after: close)...] : rest[rest.endIndex...]
        }
        return bad
    }

    @Test("symbols, ids, reasons, details and the description are escaped in report.html")
    func reportEscapesEverything() async throws {
        let dir = Paths.temporary("esc")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent("escaping.yaml")
        try Self.small.write(toFile: file, atomically: true, encoding: .utf8)
        var scenario = try ScenarioParser.load(path: file)
        var r = try await Simulation(scenario: scenario, outDirectory: (dir as NSString).appendingPathComponent("out")).run(SimulationRunner())[0]
        #expect(r.refusals.count == 1)

        // The page written by the run: the description shown as text.
        let written = try String(contentsOfFile: (dir as NSString).appendingPathComponent("out/report.html"), encoding: .utf8)
        #expect(written.contains("&lt;script&gt;alert(&#39;d&#39;)&lt;/script&gt; &amp; more"))
        #expect(Self.onlyOwnMarkup(written) == [])

        // Input the validators would refuse today, as if it had got through: a symbol, an account,
        // a reason and a detail carrying markup. The report must still write them as text.
        scenario.marks[Self.hostile] = scenario.marks["BTCUSDT"]
        r.series.marks[Self.hostile] = r.series.marks["BTCUSDT"]
        r.series.positions.append(RunSeries.PositionTrack(id: "p-\"><b>", account: Self.hostile, symbol: Self.hostile, side: .long,
                                                          points: [RunSeries.Point(t: 0, value: "20000")]))
        var e = Copytrade_V1_Event()
        e.kind = "sync.skipped"
        e.accountID = Self.hostile
        e.symbol = Self.hostile
        e.reason = "<i onmouseover=alert(2)>"
        e.detail = "\"><svg onload=alert(3)>"
        e.atMs = Scenario.epochMs + 5_000
        r.events.append(e)
        r.refusals[0].reason = "no account \"<b onclick=alert(4)>\""
        let page = HTMLReport.page([r], scenario: scenario)
        #expect(!page.contains(Self.hostile))
        #expect(page.contains("<h3>&lt;img src=x onerror=alert(1)&gt;: mark price and liquidation prices</h3>"))
        #expect(page.contains("id=\"mark-&lt;img src=x onerror=alert(1)&gt;\""))
        #expect(page.contains("id=\"liq-p-&quot;&gt;&lt;b&gt;\""))
        #expect(Self.onlyOwnMarkup(page) == [], "\(Self.onlyOwnMarkup(page))")
    }

    static func event(_ sequence: UInt64, account: String, symbol: String, amountE8: Int64, reason: String = "", detail: String = "") -> Copytrade_V1_Event {
        var e = Copytrade_V1_Event()
        e.sequence = sequence
        e.atMs = Scenario.epochMs + 1_500
        e.kind = "position.closed"
        e.accountID = account
        e.symbol = symbol
        e.positionID = "p-1"
        e.amountE8 = amountE8
        e.reason = reason
        e.detail = detail
        e.inputKey = "action:1"
        return e
    }

    @Test("history.csv: text cells that a spreadsheet would evaluate get a leading quote; numbers stay numbers")
    func csvNeutralizesFormulas() {
        let events = [
            Self.event(1, account: "-2-3", symbol: "=HYPERLINK(\"http://x\",\"y\")", amountE8: -1_250_000_000, reason: "@SUM(A1)", detail: "+1"),
            Self.event(2, account: "C1", symbol: "BTCUSDT", amountE8: 50_000_000, reason: "\tx", detail: "\r=1+2"),
        ]
        let lines = HistoryFiles.csv(events).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == #"1,1767225601500,1.500s,position.closed,'-2-3,"'=HYPERLINK(""http://x"",""y"")",p-1,-12.5,0,0,'@SUM(A1),'+1,action:1"#)
        #expect(lines[2] == "2,1767225601500,1.500s,position.closed,C1,BTCUSDT,p-1,0.5,0,0,'\tx,\"'\r=1+2\",action:1")
        // history.jsonl keeps the exact values.
        let jsonl = HistoryFiles.jsonl(events)
        #expect(jsonl.contains(#""account":"-2-3","symbol":"=HYPERLINK(\"http://x\",\"y\")""#))
    }
}
