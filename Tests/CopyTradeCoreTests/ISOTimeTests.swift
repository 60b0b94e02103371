import CopyTradeCore
import Testing

/// ISO 8601 times are parsed exactly to the millisecond; a finer fraction is refused, naming the
/// field, rather than cut (a delay of 60.0005 s must not count as 60 s).
@Suite("ISO 8601 times")
struct ISOTimeTests {
    @Test(arguments: [
        ("2026-11-22T10:00:00Z", Millis(1_795_341_600_000)),
        ("2026-01-01T00:01:00.5+01:00", 1_767_222_060_500),
        ("2024-02-29T23:59:59.999Z", 1_709_251_199_999),
        ("1969-12-31T23:59:59.001Z", -999),
        ("2026-11-22T10:00:00.250000Z", 1_795_341_600_250),
    ])
    func parsesExactly(text: String, millis: Millis) throws {
        #expect(try ISOTime.millis(parsing: text, field: "--at") == millis)
    }

    @Test func subMillisecondIsRefusedNamingTheField() throws {
        do {
            _ = try ISOTime.millis(parsing: "2026-01-01T00:01:00.0005Z", field: "--received")
            Issue.record("accepted a sub-millisecond time")
        } catch {
            #expect(error.field == "--received")
            #expect(error.message.contains("millisecond"))
        }
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T10:00:00", "2026-11-22 10:00:00Z",
                      "2026-11-22T10:00:00.Z", "2026-11-22T10:00:00Zjunk", "yesterday"])
    func malformedIsRefused(text: String) throws {
        #expect(throws: DomainError.self) { try ISOTime.millis(parsing: text, field: "--at") }
    }
}
