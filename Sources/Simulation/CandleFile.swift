import CopyTradeCore
import Foundation

/// A CSV of candles with the header `time,open,high,low,close` (further columns are ignored); the
/// close is the mark. `time` is Unix seconds, Unix milliseconds (13 digits or more), an ISO 8601
/// instant, or a scenario time (`90s`); the first row is placed at the path's start and the
/// others keep their distance from it. Times must not go backwards.
enum CandleFile {
    /// `tick`: every close must be a multiple of it, since the coordinator refuses a mark off the
    /// tick (docs/decisions.md, "Market data"); the row is named rather than the run failing later.
    static func parse(_ text: String, file: String, start: Millis, tick: Decimal8) throws(ScenarioError) -> [PricePoint] {
        var out: [PricePoint] = []
        var first: Millis?
        var last: Millis?
        var sawHeader = false
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            let n = i + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if !sawHeader {
                guard cols.count >= 5, cols[0...4].map({ $0.lowercased() }) == ["time", "open", "high", "low", "close"] else {
                    throw ScenarioError(file: file, line: n, path: "header", rule: "must start with time,open,high,low,close")
                }
                sawHeader = true
                continue
            }
            guard cols.count >= 5 else { throw ScenarioError(file: file, line: n, path: "", rule: "needs 5 columns, has \(cols.count)") }
            guard let t = time(cols[0]) else {
                throw ScenarioError(file: file, line: n, path: "time", rule: "must be Unix seconds or milliseconds, ISO 8601, or like 90s; got \"\(cols[0])\"")
            }
            let close: Decimal8
            do { close = try Decimal8(parsing: cols[4], field: "close") } catch {
                throw ScenarioError(file: file, line: n, path: "close", rule: error.message)
            }
            guard close.isPositive else { throw ScenarioError(file: file, line: n, path: "close", rule: "must be greater than 0") }
            guard close.isMultiple(of: tick) else {
                throw ScenarioError(file: file, line: n, path: "close", rule: "must be a multiple of the tick \(tick), got \(close)")
            }
            if let last, t < last { throw ScenarioError(file: file, line: n, path: "time", rule: "time goes backwards") }
            last = t
            let origin = first ?? t
            first = origin
            out.append(PricePoint(at: start + (t - origin), price: close))
        }
        guard sawHeader else { throw ScenarioError(file: file, line: 1, path: "header", rule: "must start with time,open,high,low,close") }
        return out
    }

    static func time(_ s: String) -> Millis? {
        if let i = Int64(s) { return s.count >= 13 ? i : i * 1000 }
        if let d = ScenarioTime.parse(s) { return d }
        // Exact milliseconds, never through a floating-point date (docs/decisions.md, "Numbers").
        return try? ISOTime.millis(parsing: s, field: "time")
    }
}
