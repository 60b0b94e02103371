/// Account identifier (a trader or a copier), chosen by the operator: letters, digits, `-`, `_`, `.`.
public struct AccountID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (a: AccountID, b: AccountID) -> Bool { a.rawValue < b.rawValue }

    /// Validates operator-chosen text as an account id.
    public init(validating text: String, field: String = "account") throws(DomainError) {
        guard !text.isEmpty, text.count <= 64 else { throw DomainError.invalid(field, "must be 1 to 64 characters") }
        for c in text.unicodeScalars {
            let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_" || c == "."
            if !ok { throw DomainError.invalid(field, "may contain only letters, digits, '-', '_' and '.', got \"\(text)\"") }
        }
        self.rawValue = text
    }
}

/// Time in milliseconds since the Unix epoch. The engine takes time as input (occurrence and
/// receive times) rather than reading a clock, so every decision is reproducible.
public typealias Millis = Int64

/// The rule for symbol names (`BTCUSDT`, `1000PEPEUSDT`, `BTC-PERP`), applied wherever a market
/// is loaded (``SymbolSpec/validate()``: market files, scenario overrides, the built-in market),
/// so a name that reaches a report, a CSV cell or a terminal is plain text (docs/decisions.md,
/// Market data).
public enum SymbolName {
    public static let maxLength = 32

    /// 1 to 32 characters: uppercase letters `A`–`Z` and digits, and after the first character
    /// also `-` and `_`. Nothing that HTML, a spreadsheet or a terminal would interpret.
    public static func validate(_ text: String, field: String = "symbol") throws(DomainError) {
        guard !text.isEmpty, text.unicodeScalars.count <= maxLength else {
            throw DomainError.invalid(field, "must be 1 to \(maxLength) characters, got \"\(text)\"")
        }
        for (i, c) in text.unicodeScalars.enumerated() {
            let ok = (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || (i > 0 && (c == "-" || c == "_"))
            if !ok {
                throw DomainError.invalid(field, "may contain only uppercase letters A-Z and digits (and '-' or '_' after the first character), got \"\(text)\"")
            }
        }
    }
}
