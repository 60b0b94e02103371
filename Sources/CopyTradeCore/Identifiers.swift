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
