import CopyTradeCore

/// A UTC day number: days since the epoch. A daily copy margin cap counts by it
/// (docs/protections.md).
enum UTCDay {
    static func of(_ ms: Millis) -> Int64 { ms >= 0 ? ms / UTCTime.msPerDay : (ms + 1) / UTCTime.msPerDay - 1 }
}

/// When the coordinator settles profit share on its own (docs/protections.md): weekly on a
/// weekday at a UTC time (Monday 00:00 by default), daily at a UTC time, or never. Times are
/// the engine clock's, so a simulation on a driven clock replays the same settlements.
public enum SettlementSchedule: Sendable, Hashable, CustomStringConvertible {
    case off
    /// Every day at `minute` minutes after 00:00 UTC.
    case daily(minute: Int)
    /// Every week on `weekday` (0 Monday ... 6 Sunday) at `minute` minutes after 00:00 UTC.
    case weekly(weekday: Int, minute: Int)

    /// Monday 00:00 UTC.
    public static let standard = SettlementSchedule.weekly(weekday: 0, minute: 0)

    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// Parses `off`, `daily`, `daily@HH:MM`, `weekly`, `weekly:DAY`, `weekly:DAY@HH:MM` (DAY: mon..sun).
    public init(parsing text: String, field: String = "settlementSchedule") throws(DomainError) {
        let t = text.lowercased()
        let refusal = DomainError.invalid(field, "must be off, daily[@HH:MM] or weekly[:mon..sun][@HH:MM] (UTC), got \"\(text)\"")
        if t == "off" {
            self = .off
            return
        }
        let parts = t.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw refusal }
        var minute = 0
        if parts.count == 2 {
            let hm = parts[1].split(separator: ":", omittingEmptySubsequences: false)
            guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
                  (0..<24).contains(h), (0..<60).contains(m) else { throw refusal }
            minute = h * 60 + m
        }
        let head = parts[0].split(separator: ":", omittingEmptySubsequences: false)
        switch head.first.map(String.init) {
        case "daily" where head.count == 1:
            self = .daily(minute: minute)
        case "weekly" where head.count <= 2:
            var day = 0
            if head.count == 2 {
                guard let d = Self.weekdays.firstIndex(of: String(head[1])) else { throw refusal }
                day = d
            }
            self = .weekly(weekday: day, minute: minute)
        default:
            throw refusal
        }
    }

    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func hm(_ m: Int) -> String { "\(two(m / 60)):\(two(m % 60))" }
        switch self {
        case .off: return "off"
        case .daily(let m): return "daily@\(hm(m))"
        case .weekly(let d, let m): return "weekly:\(Self.weekdays[d])@\(hm(m))"
        }
    }

    /// The latest schedule time at or before `ms`; nil when off.
    public func latest(atOrBefore ms: Millis) -> Millis? {
        let period: Millis, offset: Millis
        switch self {
        case .off: return nil
        case .daily(let m):
            period = UTCTime.msPerDay
            offset = Millis(m) * 60_000
        case .weekly(let d, let m):
            // The epoch was a Thursday: Monday 00:00 UTC is 4 days after it, modulo a week.
            period = 7 * UTCTime.msPerDay
            offset = (Millis(d) + 4) % 7 * UTCTime.msPerDay + Millis(m) * 60_000
        }
        let shifted = ms - offset
        let k = shifted >= 0 ? shifted / period : (shifted + 1) / period - 1
        return k * period + offset
    }

    /// The first schedule time after `ms`; nil when off.
    public func next(after ms: Millis) -> Millis? {
        guard let last = latest(atOrBefore: ms) else { return nil }
        switch self {
        case .off: return nil
        case .daily: return last + UTCTime.msPerDay
        case .weekly: return last + 7 * UTCTime.msPerDay
        }
    }
}
