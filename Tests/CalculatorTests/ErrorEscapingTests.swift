import Foundation
import Testing

/// A refusal quotes the input it refuses; copyctl prints it with control characters escaped,
/// whether the refusal comes from a rule (exit 1) or from the argument parser (exit 64).
@Suite("copyctl error escaping", .timeLimit(.minutes(3)))
struct ErrorEscapingTests {
    static func hasControl(_ s: String) -> Bool {
        s.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) }
    }

    @Test func ruleRefusalEscapesTheQuotedValue() async throws {
        let r = try await copyctl(["calc", "liq", "--side", "long", "--entry", "20\u{1B}[2J\u{1B}]0;owned\u{07}", "--qty", "1", "--margin", "10"])
        #expect(r.status == 1)
        #expect(r.err == "copyctl: error: --entry: must be a decimal number, got \"20\\u{1B}[2J\\u{1B}]0;owned\\u{7}\"\n", "\(r.err)")
        #expect(!Self.hasControl(r.err))
    }

    @Test func jsonRefusalEscapesToo() async throws {
        let r = try await copyctl(["calc", "liq", "--json", "--side", "long", "--entry", "1\u{9B}2J", "--qty", "1", "--margin", "10"])
        #expect(r.status == 1)
        #expect(r.out.contains(#"got \"1\u009b2J\""#), "\(r.out)")
        #expect(!Self.hasControl(r.out))
        #expect(!Self.hasControl(r.err))
    }

    @Test func parserRefusalEscapesTheWord() async throws {
        let r = try await copyctl(["bogus\u{1B}[31m"])
        #expect(r.status == 64)
        #expect(r.err.contains("'bogus\\u{1B}[31m'"), "\(r.err)")
        #expect(!Self.hasControl(r.err))
    }
}
