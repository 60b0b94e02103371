import CopyTradeCore

/// Calendar times of rollout phases, exact to the millisecond and without `Date` (whose
/// seconds are a `Double`): `2026-07-02` (midnight UTC), `2026-07-02T00:00:00Z`,
/// `2026-07-02T08:00:00.250+02:00`. A time of day needs its zone (`Z` or an offset), so a file
/// reads the same on every host; more than three fractional digits are refused, never rounded.
public enum UTCTime {
    static let msPerDay: Millis = 86_400_000

    /// Milliseconds since the epoch, or nil when `text` is not one of the forms above.
    public static func parse(_ text: String) -> Millis? {
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int64? {
            guard i + digits <= b.count else { return nil }
            var n: Int64 = 0
            for k in i..<(i + digits) {
                guard (48...57).contains(b[k]) else { return nil }
                n = n * 10 + Int64(b[k] - 48)
            }
            i += digits
            return n
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = number(4), expect(UInt8(ascii: "-")), let mo = number(2), expect(UInt8(ascii: "-")), let d = number(2),
              (1...12).contains(mo), d >= 1, d <= daysIn(month: mo, year: y) else { return nil }
        var ms = days(year: y, month: mo, day: d) * msPerDay
        if i == b.count { return ms }
        guard expect(UInt8(ascii: "T")) || expect(UInt8(ascii: " ")),
              let h = number(2), expect(UInt8(ascii: ":")), let mi = number(2), h < 24, mi < 60 else { return nil }
        ms += h * 3_600_000 + mi * 60_000
        if expect(UInt8(ascii: ":")) {
            guard let s = number(2), s < 60 else { return nil }
            ms += s * 1_000
            if expect(UInt8(ascii: ".")) {
                var digits = 0, frac: Int64 = 0
                while i < b.count, (48...57).contains(b[i]) {
                    frac = frac * 10 + Int64(b[i] - 48)
                    digits += 1
                    i += 1
                }
                guard (1...3).contains(digits) else { return nil }
                for _ in digits..<3 { frac *= 10 }
                ms += frac
            }
        }
        if expect(UInt8(ascii: "Z")) { return i == b.count ? ms : nil }
        let sign: Int64
        if expect(UInt8(ascii: "+")) { sign = 1 } else if expect(UInt8(ascii: "-")) { sign = -1 } else { return nil }
        guard let oh = number(2), expect(UInt8(ascii: ":")), let om = number(2), oh < 24, om < 60, i == b.count else { return nil }
        return ms - sign * (oh * 3_600_000 + om * 60_000)
    }

    /// `2026-07-02T00:00:00Z` (milliseconds shown only when there are some).
    public static func format(_ ms: Millis) -> String {
        let day = ms >= 0 ? ms / msPerDay : (ms - msPerDay + 1) / msPerDay
        let rest = ms - day * msPerDay
        let (y, m, d) = civil(day)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var out = "\(y)-\(two(m))-\(two(d))T\(two(rest / 3_600_000)):\(two(rest / 60_000 % 60)):\(two(rest / 1_000 % 60))"
        if rest % 1_000 != 0 { out += "." + String(String(rest % 1_000 + 1_000).dropFirst()) }
        return out + "Z"
    }

    static func isLeap(_ y: Int64) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        switch m {
        case 2: isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (`civil_from_days`).
    static func civil(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
