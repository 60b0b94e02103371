import Foundation
import CopyTradeCore

/// Durations in scenario files: `0s`, `250ms`, `1m30s`, `2h`, `1h2m3s500ms` (units h, m, s, ms,
/// largest first, each at most once); a bare `0` is zero. Never negative.
public enum ScenarioTime {
    public static func parse(_ text: String) -> Millis? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s == "0" { return 0 }
        var total: Millis = 0
        var rest = Substring(s)
        var lastRank = Int.max
        var any = false
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Millis(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let (unit, rank, scale): (String, Int, Millis)
            if rest.hasPrefix("ms") { (unit, rank, scale) = ("ms", 0, 1) }
            else if rest.hasPrefix("h") { (unit, rank, scale) = ("h", 3, 3_600_000) }
            else if rest.hasPrefix("m") { (unit, rank, scale) = ("m", 2, 60_000) }
            else if rest.hasPrefix("s") { (unit, rank, scale) = ("s", 1, 1_000) }
            else { return nil }
            guard rank < lastRank else { return nil }
            lastRank = rank
            rest = rest.dropFirst(unit.count)
            let (product, o1) = n.multipliedReportingOverflow(by: scale)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2 else { return nil }
            total = sum
            any = true
        }
        return any ? total : nil
    }

    /// `1m30.250s`-style text of an offset, for tables and tooltips.
    public static func format(_ ms: Millis) -> String {
        let h = ms / 3_600_000, m = (ms / 60_000) % 60, s = (ms / 1000) % 60, r = ms % 1000
        var out = ""
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if r > 0 {
            let frac = String(r + 1000).dropFirst()
            out += "\(s).\(frac)s"
        } else if s > 0 || out.isEmpty {
            out += "\(s)s"
        }
        return out
    }
}
