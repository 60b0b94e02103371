import CopyTradeCore
import CopyTradeProto
import Foundation

/// `history.csv` and `history.jsonl`: every event of the run in journal order, one per line,
/// with a fixed column (key) order and decimals as exact text, so the same scenario always
/// writes the same bytes.
public enum HistoryFiles {
    public static let columns = ["sequence", "atMs", "t", "kind", "account", "symbol", "position", "amount", "price", "quantity",
                                 "reason", "detail", "inputKey"]

    static func values(_ e: Copytrade_V1_Event) -> [String] {
        ["\(e.sequence)", "\(e.atMs)", ScenarioTime.format(e.atMs - Scenario.epochMs), e.kind, e.accountID, e.symbol, e.positionID,
         "\(Decimal8(units: e.amountE8))", "\(Decimal8(units: e.priceE8))", "\(Decimal8(units: e.quantityE8))", e.reason, e.detail, e.inputKey]
    }

    /// Columns whose cells are numbers the program wrote (`-12.5` there is a number, meant to be
    /// evaluated as one); every other cell is text and is written through ``csvTextField(_:)``.
    static let numericColumns: Set<Int> = [0, 1, 7, 8, 9]

    public static func csv(_ events: [Copytrade_V1_Event]) -> String {
        var out = columns.joined(separator: ",") + "\n"
        for e in events {
            out += values(e).enumerated().map { numericColumns.contains($0.offset) ? csvField($0.element) : csvTextField($0.element) }
                .joined(separator: ",") + "\n"
        }
        return out
    }

    public static func jsonl(_ events: [Copytrade_V1_Event]) -> String {
        var out = ""
        for e in events {
            let v = values(e)
            out += "{" + zip(columns, v).enumerated().map { i, kv in
                // sequence and atMs are numbers; the rest (decimals included) strings.
                "\"\(kv.0)\":" + (i < 2 ? kv.1 : JSONText.quoted(kv.1))
            }.joined(separator: ",") + "}\n"
        }
        return out
    }

    static func write(_ events: [Copytrade_V1_Event], csv csvPath: String, jsonl jsonlPath: String) throws {
        try Data(csv(events).utf8).write(to: URL(fileURLWithPath: csvPath))
        try Data(jsonl(events).utf8).write(to: URL(fileURLWithPath: jsonlPath))
    }

    /// A text cell that a spreadsheet would read as a formula (it begins with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return: an account id `-2-3`, a symbol `=HYPERLINK(...)`) gets a leading
    /// `'`, which spreadsheets show as text and do not evaluate; then it is quoted as any field.
    /// `history.jsonl` keeps the exact value (docs/decisions.md, Simulation output).
    static func csvTextField(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return csvField(s) }
        return csvField("'" + s)
    }

    /// RFC 4180: a field with a comma, a quote or a line break is quoted, quotes doubled.
    static func csvField(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
