/// ISO 8601 / RFC 3339 times (`2026-11-22T10:00:00Z`, `2026-11-22T10:00:00.250+01:00`) as exact
/// milliseconds since the Unix epoch.
///
/// Parsed with integers, never through a floating-point date: times are compared to the
/// millisecond (a signal more than 60 s late is dropped, SPEC §5), so a fraction finer than a
/// millisecond is refused, naming the field, rather than silently cut (60.0005 s is not 60 s).
/// Zeros beyond the third fractional digit are accepted, as for decimals.
public enum ISOTime {
    public static func millis(parsing text: String, field: String) throws(DomainError) -> Millis {
        func refuse(_ rule: String = "must be milliseconds since the epoch or an ISO 8601 time such as 2026-11-22T10:00:00Z")
            -> DomainError { DomainError.invalid(field, "\(rule), got \"\(text)\"") }
        let b = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var v = 0
            for c in b[i..<(i + digits)] {
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += digits
            return v
        }
        func expect(_ chars: String) -> Bool {
            guard i < b.count, chars.utf8.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt"),
              let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2) else { throw refuse() }
        var millis = 0
        if expect(".") {
            var digits = 0
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                let d = Int(b[i] - 48)
                if digits < 3 {
                    millis = millis * 10 + d
                } else if d != 0 {
                    throw refuse("must not be more precise than a millisecond (times are compared to the millisecond)")
                }
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw refuse() }
            for _ in digits..<max(digits, 3) { millis *= 10 }
        }
        var offsetMinutes = 0
        if expect("Zz") {
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = number(2), expect(":"), let om = number(2), oh <= 23, om <= 59 else { throw refuse() }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            throw refuse()
        }
        guard i == b.count else { throw refuse() }
        guard (1...12).contains(month), (1...daysIn(month, year)).contains(day), hour <= 23, minute <= 59, second <= 59 else {
            throw refuse("must be a valid calendar date and time of day")
        }
        let seconds = Int64(daysFromCivil(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
            - Int64(offsetMinutes * 60)
        return seconds * 1000 + Int64(millis)
    }

    static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
