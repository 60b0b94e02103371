import CopyTradeCore
import Foundation
import Testing

@Suite("JSON text")
struct JSONTextTests {
    @Test("named escapes, \\u00XX for other control characters, everything else as is")
    func quotes() {
        #expect(JSONText.quoted("plain") == "\"plain\"")
        #expect(JSONText.quoted("a\"b\\c") == "\"a\\\"b\\\\c\"")
        #expect(JSONText.quoted("l1\nl2\r\t") == "\"l1\\nl2\\r\\t\"")
        #expect(JSONText.quoted("\u{01}\u{1F}") == "\"\\u0001\\u001f\"")
        #expect(JSONText.quoted("µ → €") == "\"µ → €\"")
    }

    @Test("what it writes parses back to the same string")
    func roundTrips() throws {
        for s in ["", "x", "a\"b\\c\n\r\t\u{0}\u{7}\u{1F} é 😀"] {
            let parsed = try JSONSerialization.jsonObject(with: Data(JSONText.quoted(s).utf8), options: .fragmentsAllowed) as? String
            #expect(parsed == s)
        }
    }
}
