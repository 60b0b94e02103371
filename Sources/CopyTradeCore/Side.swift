/// Position direction. `sign` is the `s` of SPEC §3: +1 long, -1 short.
public enum Side: String, Sendable, Codable, CaseIterable {
    case long
    case short

    @inlinable public var sign: Int { self == .long ? 1 : -1 }
    @inlinable public var opposite: Side { self == .long ? .short : .long }

    /// Parses "long"/"short" (also "buy"/"sell"), naming `field` when it is neither.
    public init(parsing text: String, field: String = "side") throws(DomainError) {
        switch text.lowercased() {
        case "long", "buy": self = .long
        case "short", "sell": self = .short
        default: throw DomainError.invalid(field, "must be long or short, got \"\(text)\"")
        }
    }
}

/// How a position's margin is held (SPEC §3).
public enum MarginMode: String, Sendable, Codable, CaseIterable {
    /// Margin per position; margin sync and auto margin apply only here.
    case isolated
    /// The wallet's free balance backs every cross position of the account.
    case cross
}
