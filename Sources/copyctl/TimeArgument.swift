import CopyTradeCore

/// Times on the command line: milliseconds since the Unix epoch, or ISO 8601
/// (`2026-11-22T10:00:00Z`, fractional seconds to the millisecond). Parsed exactly by
/// ``ISOTime``: a finer fraction is refused, naming the option, never truncated.
enum TimeArgument {
    static func parse(_ text: String?, _ field: String) throws -> Millis? {
        guard let text else { return nil }
        if let ms = Int64(text) { return ms }
        return try ISOTime.millis(parsing: text, field: field)
    }
}
