import CopyTradeCore
import Foundation

/// Times on the command line: milliseconds since the Unix epoch, or ISO 8601
/// (`2026-11-22T10:00:00Z`, fractional seconds allowed).
enum TimeArgument {
    static func parse(_ text: String?, _ field: String) throws -> Millis? {
        guard let text else { return nil }
        if let ms = Int64(text) { return ms }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let g = ISO8601DateFormatter()
        g.formatOptions = [.withInternetDateTime]
        guard let date = f.date(from: text) ?? g.date(from: text) else {
            throw DomainError.invalid(field, "must be milliseconds since the epoch or an ISO 8601 time, got \"\(text)\"")
        }
        // Dates carry seconds as a Double; round to the millisecond once, here at the edge.
        return Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}
