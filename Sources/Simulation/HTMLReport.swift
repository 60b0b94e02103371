import CopyTradeCore
import CopyTradeProto
import Foundation

/// `report.html`: one self-contained page (inline SVG and CSS, no script, no network) with, per
/// run, each symbol's mark price and every position's liquidation price as step lines (auto-margin
/// additions, liquidations and copies' take-profit and stop-loss exits marked), account equity
/// curves, margin-sync outcomes per account, relation stops, profit-share payments, and the
/// summary table. Several runs (`--compare`) sit side by side. Every piece of text from
/// the scenario, the market or the run (names, ids, symbols, reasons, details) is written through
/// ``HTMLText/escaped(_:)``; only numbers and this file's own markup are written as they are.
public enum HTMLReport {
    public static func page(_ runs: [SimulationResult], scenario: Scenario) -> String {
        let title = "CopyTrade simulation: \(scenario.name)" + (runs.count > 1 ? " (\(runs.compactMap(\.variant).joined(separator: " vs ")))" : "")
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escaped(title))</title>
        <style>
        body{font:13px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:16px;color:#222;background:#fafafa}
        h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:18px 0 6px} h3{font-size:14px;margin:12px 0 4px}
        .meta{color:#666;margin-bottom:10px} .runs{display:grid;gap:18px;grid-template-columns:repeat(\(runs.count),minmax(0,1fr))}
        .run{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px}
        svg{width:100%;height:auto;display:block} svg text{font-size:11px;fill:#444} svg .unit{font-weight:bold}
        table{border-collapse:collapse;font-size:12px;width:100%} th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:right}
        th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left} th{background:#f1f1f1}
        .legend span{display:inline-block;margin:2px 10px 2px 0} .legend i{display:inline-block;width:14px;height:3px;margin-right:4px;vertical-align:middle}
        .note{color:#777;font-size:12px} .refused{color:#a33} .run table{display:block;overflow-x:auto} .profit-share td:last-child{text-align:left}
        </style></head><body>
        <h1>\(HTMLText.escaped(title))</h1>
        <div class="meta">scenario file \(HTMLText.escaped(scenario.file)) · start 2026-01-01T00:00:00Z · \(scenario.accounts.count) accounts · times are offsets from the start</div>
        \(scenario.description.isEmpty ? "" : "<p class=\"description\">\(HTMLText.escaped(scenario.description))</p>")
        <div class="runs">

        """
        for r in runs { html += section(r, scenario: scenario) }
        html += "</div>\n"
        if runs.count > 1 { html += comparison(runs) }
        html += "</body></html>\n"
        return html
    }

    static func section(_ r: SimulationResult, scenario: Scenario) -> String {
        let slug = r.variant.map { "\($0)-" } ?? ""
        var s = "<div class=\"run\" id=\"run-\(HTMLText.escaped(r.variant ?? "main"))\">\n"
        if let v = r.variant { s += "<h2>\(HTMLText.escaped(v))</h2>\n" }
        s += "<div class=\"note\">\(r.steps) steps · \(r.events.count) events · \(r.refusals.count) refused · \(r.lost.count) lost</div>\n"
        let t1 = max(r.series.endTime, 1)
        for symbol in scenario.symbols {
            s += "<h3>\(HTMLText.escaped(symbol)): mark price and liquidation prices</h3>\n"
            let marks = r.series.marks[symbol] ?? []
            let tracks = r.series.positions.filter { $0.symbol == symbol }
            let markers = r.events.compactMap { e in
                e.symbol == symbol && e.priceE8 > 0 ? Self.chartMarker(e).map { (event: e, key: $0.key, marker: $0.marker) } : nil
            }
            var values = marks.compactMap(\.value) + tracks.flatMap { $0.points.compactMap(\.value) }
            values += markers.map { Decimal8(units: $0.event.priceE8) }
            var chart = SVGChart(t0: 0, t1: t1, values: values)
            var legend = "<span><i style=\"background:#000\"></i>mark</span>"
            chart.stepLine(marks, id: "\(slug)mark-\(symbol)", title: "\(symbol) mark price", color: "#000", cssClass: "mark")
            for (i, p) in tracks.enumerated() {
                let color = SVGChart.palette[i % SVGChart.palette.count]
                let name = "\(p.id) \(p.account) \(p.side.rawValue)"
                chart.stepLine(p.points, id: "\(slug)liq-\(p.id)", title: "liquidation price of \(name)", color: color, cssClass: "liquidation", dashed: true)
                legend += "<span><i style=\"background:\(HTMLText.escaped(color))\"></i>liq \(HTMLText.escaped(name))</span>"
            }
            for (e, _, m) in markers {
                let t = e.atMs - Scenario.epochMs
                chart.marker(t: t, value: Decimal8(units: e.priceE8), shape: m.shape, color: m.color, cssClass: m.cssClass,
                             title: "\(ScenarioTime.format(t)) \(e.accountID) \(e.kind) \(Decimal8(units: e.amountE8)) at \(Decimal8(units: e.priceE8))"
                                 + (e.kind.hasPrefix("copy.") ? " (\(e.reason): \(e.detail))" : ""))
            }
            s += chart.svg(id: "\(slug)chart-\(symbol)", unitLabel: "USDT")
            s += "<div class=\"legend\">\(legend) <span>▲ auto margin added</span> <span style=\"color:#c00\">✕ liquidated (bankruptcy price)</span>"
            // Take-profit, stop-loss and relation-stop exits only where the chart has them.
            for key in Self.optionalLegend where markers.contains(where: { $0.key == key }) {
                let m = Self.chartMarkers[key]!
                s += " <span class=\"\(m.cssClass)-legend\" style=\"color:\(m.color)\">\(m.legend)</span>"
            }
            s += "</div>\n"
            if r.series.totalPositions > r.series.positions.count {
                s += "<div class=\"note\">liquidation lines of the first \(r.series.positions.count) of \(r.series.totalPositions) positions</div>\n"
            }
        }
        s += equity(r, slug: slug, t1: t1)
        s += sync(r, slug: slug, t1: t1)
        s += relationStops(r) + profitSharing(r, scenario: scenario)
        s += "<h3>Summary</h3>\n" + table(r.summary)
        if !r.refusals.isEmpty || !r.lost.isEmpty {
            s += "<h3>Refused and lost inputs</h3><ul>\n"
            for x in r.refusals { s += "<li class=\"refused\">\(ScenarioTime.format(x.t)) \(HTMLText.escaped(x.what)) (\(HTMLText.escaped(x.path))): \(HTMLText.escaped(x.reason))</li>\n" }
            for a in r.lost { s += "<li>lost (never delivered): \(HTMLText.escaped(a.summary)) at \(ScenarioTime.format(a.at)) (\(HTMLText.escaped(a.path)))</li>\n" }
            s += "</ul>\n"
        }
        return s + "</div>\n"
    }

    static func equity(_ r: SimulationResult, slug: String, t1: Millis) -> String {
        let ids = r.series.equityAccounts.filter { r.series.equity[$0] != nil }
        guard !ids.isEmpty else { return "" }
        var s = "<h3>Equity (wallet + unrealized PnL)</h3>\n"
        var chart = SVGChart(t0: 0, t1: t1, values: ids.flatMap { r.series.equity[$0]!.compactMap(\.value) }, height: 260)
        var legend = ""
        for (i, id) in ids.enumerated() {
            let color = SVGChart.palette[i % SVGChart.palette.count]
            chart.stepLine(r.series.equity[id]!, id: "\(slug)equity-\(id)", title: "equity of \(id)", color: color, cssClass: "equity")
            legend += "<span><i style=\"background:\(HTMLText.escaped(color))\"></i>\(HTMLText.escaped(id))</span>"
        }
        s += chart.svg(id: "\(slug)chart-equity", unitLabel: "USDT") + "<div class=\"legend\">\(legend)</div>\n"
        if r.series.totalAccounts > ids.count {
            s += "<div class=\"note\">equity of the first \(ids.count) of \(r.series.totalAccounts) accounts (all in the summary)</div>\n"
        }
        return s
    }

    static func sync(_ r: SimulationResult, slug: String, t1: Millis) -> String {
        let events = r.events.filter { $0.kind.hasPrefix("sync.") }
        guard !events.isEmpty else { return "" }
        var lanes: [String] = []
        for e in events where !lanes.contains(e.accountID) && lanes.count < 40 { lanes.append(e.accountID) }
        var chart = SVGChart(t0: 0, t1: t1, values: [Decimal8(0), Decimal8(max(lanes.count - 1, 1))], height: Double(60 + 26 * lanes.count))
        chart.laneLabels = lanes
        for e in events {
            guard let lane = lanes.firstIndex(of: e.accountID) else { continue }
            let t = e.atMs - Scenario.epochMs
            let outcome = e.kind == "sync.skipped" ? "skipped: \(e.reason)" : String(e.kind.dropFirst(5))
            let color = switch e.kind {
            case "sync.applied": "#2ca02c"
            case "sync.capped": "#e69500"
            case "sync.received": "#1f77b4"
            default: "#d62728"
            }
            chart.marker(t: t, value: Decimal8(lane), shape: "circle", color: color, cssClass: "sync sync-\(e.kind.dropFirst(5))",
                         title: "\(ScenarioTime.format(t)) \(e.accountID) \(outcome) \(Decimal8(units: e.amountE8)) \(e.detail)")
        }
        return "<h3>Margin sync outcomes</h3>\n" + chart.svg(id: "\(slug)chart-sync", unitLabel: "")
            + "<div class=\"legend\"><span style=\"color:#1f77b4\">● received (trader)</span><span style=\"color:#2ca02c\">● applied</span>"
            + "<span style=\"color:#e69500\">● capped</span><span style=\"color:#d62728\">● skipped (reason in tooltip)</span></div>\n"
    }

    static func table(_ summary: RunSummary) -> String {
        var s = "<table class=\"summary\"><tr>" + summary.shownColumns.map { "<th>\(HTMLText.escaped($0))</th>" }.joined() + "</tr>\n"
        for row in summary.accounts {
            s += "<tr>" + summary.cells(row).map { "<td>\(HTMLText.escaped($0))</td>" }.joined() + "</tr>\n"
        }
        var note = "insurance ledger \(summary.insurance) · \(summary.events) events"
        if summary.hasProtections {
            note += " · take profits \(summary.takeProfits) · stop losses \(summary.stopLosses) · relation stops \(summary.relationStops)"
                + " · profit share paid \(summary.profitSharePaid)"
        }
        return s + "</table><div class=\"note\">\(note)</div>\n"
    }

    /// Final equity and margin figures per account, one column group per variant.
    static func comparison(_ runs: [SimulationResult]) -> String {
        var s = "<h2>Side by side</h2><table class=\"comparison\"><tr><th>account</th><th>role</th>"
        for r in runs { let v = HTMLText.escaped(r.variant ?? ""); s += "<th>equity \(v)</th><th>sync added \(v)</th><th>auto margin \(v)</th><th>liquidations \(v)</th>" }
        s += "</tr>\n"
        for (i, a) in (runs.first?.summary.accounts ?? []).enumerated() {
            s += "<tr><td>\(HTMLText.escaped(a.id))</td><td>\(HTMLText.escaped(a.role.rawValue))</td>"
            for r in runs {
                guard i < r.summary.accounts.count else { continue }
                let x = r.summary.accounts[i]
                s += "<td>\(x.equity)</td><td>\(x.syncAdded)</td><td>\(x.autoMarginAdded)</td><td>\(x.liquidations)</td>"
            }
            s += "</tr>\n"
        }
        return s + "</table>\n"
    }
}
