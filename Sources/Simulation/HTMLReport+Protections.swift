import CopyTradeCore
import CopyTradeProto

/// The report's parts for copier protections and profit sharing (docs/protections.md): how each
/// event drawn on a price chart looks, the relations stopped by their stop loss, and the
/// profit-share payments per settlement. Text from the run goes through ``HTMLText``.
extension HTMLReport {
    struct ChartMarker {
        var shape: String
        var color: String
        var cssClass: String
        var legend: String
    }

    /// Events drawn on their symbol's price chart at their price.
    static let chartMarkers: [String: ChartMarker] = [
        "automargin.added": ChartMarker(shape: "triangle", color: "#e69500", cssClass: "automargin-event", legend: "▲ auto margin added"),
        "liquidated": ChartMarker(shape: "x", color: "#c00", cssClass: "liquidation-event", legend: "✕ liquidated (bankruptcy price)"),
        "copy.take_profit": ChartMarker(shape: "diamond", color: "#1a9850", cssClass: "take-profit-event", legend: "◆ copy take profit (closed at the mark)"),
        "copy.stop_loss": ChartMarker(shape: "square", color: "#7b3294", cssClass: "stop-loss-event", legend: "■ copy stop loss (closed at the mark)"),
        relationStopClose: ChartMarker(shape: "circle", color: "#8c510a", cssClass: "relation-stop-event",
                                       legend: "● copy closed by its relation's stop loss (close policy market)"),
    ]

    /// A copy closed because its relation stopped (`copy.closed`, reason `relation_stopped`).
    static let relationStopClose = "copy.closed:relation_stopped"

    /// The marker an event gets on its symbol's chart, if any.
    static func chartMarker(_ e: Copytrade_V1_Event) -> (key: String, marker: ChartMarker)? {
        let key = e.kind == "copy.closed" && e.reason == "relation_stopped" ? relationStopClose : e.kind
        return chartMarkers[key].map { (key, $0) }
    }

    /// The legend entries beyond the ones every chart shows, for the markers it has.
    static let optionalLegend = ["copy.take_profit", "copy.stop_loss", relationStopClose]

    /// Rows listed per run, at most, in each of these parts.
    static let maxListed = 200

    /// `relation.stopped` events: when, whose relation, and the engine's detail.
    static func relationStops(_ r: SimulationResult) -> String {
        let stops = r.events.filter { $0.kind == "relation.stopped" }
        guard !stops.isEmpty else { return "" }
        var s = "<h3>Relations stopped by their stop loss</h3>\n<ul class=\"relation-stops\">\n"
        for e in stops.prefix(maxListed) {
            let amount = e.amountE8 != 0 ? " (\(Decimal8(units: e.amountE8)))" : ""
            s += "<li class=\"relation-stop\">\(ScenarioTime.format(e.atMs - Scenario.epochMs)) \(HTMLText.escaped(e.accountID))\(amount): \(HTMLText.escaped(e.detail))</li>\n"
        }
        s += "</ul>\n"
        if stops.count > maxListed { s += "<div class=\"note\">the first \(maxListed) of \(stops.count) relation stops</div>\n" }
        return s
    }

    /// Settlement times listed, at most.
    static let maxSettlementsListed = 20

    /// True when the scenario gives a trader a profit-share ratio (in `accounts` or `setAccount`).
    static func sharesProfit(_ scenario: Scenario) -> Bool {
        scenario.accounts.contains { $0.profitShareRatio?.isPositive == true }
            || scenario.actions.contains { if case .setAccount(let a) = $0.kind { a.profitShareRatio?.isPositive == true } else { false } }
    }

    /// Profit-share payments, one row per event at its settlement's time: a copier's payment, a
    /// trader's receipt, or a settlement that could not pay all that was due; then when each
    /// settlement ran. Left out when nothing was paid or short, no settlement was asked for and
    /// no trader shares profit (the weekly schedule runs in every long scenario).
    static func profitSharing(_ r: SimulationResult, scenario: Scenario) -> String {
        let payments = r.events.filter { $0.kind.hasPrefix("profit_share.") }
        let runs = r.events.filter { $0.kind == "settlement.run" }
        guard !payments.isEmpty || runs.contains(where: { $0.reason != "scheduled" }) || (!runs.isEmpty && sharesProfit(scenario)) else { return "" }
        var s = "<h3>Profit sharing</h3>\n"
        if !payments.isEmpty {
            s += "<table class=\"profit-share\"><tr><th>time</th><th>account</th><th>paid</th><th>received</th><th>short</th><th>detail</th></tr>\n"
            for e in payments.prefix(maxListed) {
                let amount = "\(Decimal8(units: e.amountE8))"
                let (paid, received, short) = switch e.kind {
                case "profit_share.paid": (amount, "", "")
                case "profit_share.received": ("", amount, "")
                default: ("", "", amount)
                }
                s += "<tr class=\"\(HTMLText.escaped(e.kind.replacingOccurrences(of: ".", with: "-").replacingOccurrences(of: "_", with: "-")))\">"
                    + "<td>\(ScenarioTime.format(e.atMs - Scenario.epochMs))</td><td>\(HTMLText.escaped(e.accountID))</td>"
                    + "<td>\(paid)</td><td>\(received)</td><td>\(short)</td><td>\(HTMLText.escaped(e.detail))</td></tr>\n"
            }
            s += "</table>\n"
            if payments.count > maxListed { s += "<div class=\"note\">the first \(maxListed) of \(payments.count) profit-share events</div>\n" }
        }
        if !runs.isEmpty {
            s += "<div class=\"note settlements\">settlements: " + runs.prefix(maxSettlementsListed).map {
                "\(ScenarioTime.format($0.atMs - Scenario.epochMs))" + ($0.detail.isEmpty ? "" : " (\(HTMLText.escaped($0.detail)))")
            }.joined(separator: " · ") + (runs.count > maxSettlementsListed ? " · … \(runs.count - maxSettlementsListed) more" : "") + "</div>\n"
        }
        return s
    }
}
