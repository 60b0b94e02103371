/// A refused input or impossible computation. It names the field at fault and the rule
/// it broke, so an operator can fix the request without reading code. The code maps onto
/// a gRPC/ttrpc status in one place (the service adapters).
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; mirrors the gRPC status codes a caller can act on.
    public enum Code: String, Sendable, Equatable, Codable {
        case invalidArgument
        case notFound
        case alreadyExists
        case failedPrecondition
        case outOfRange
        case overflow
        case unimplemented
        case `internal`
        /// The caller's deadline passed before the input was decided; nothing was applied.
        case deadlineExceeded
        /// A bound was reached (queue, key length); retry later or send less.
        case resourceExhausted
        /// The coordinator cannot serve now (its journal failed); nothing was applied.
        case unavailable
    }

    public var code: Code
    /// The input field at fault (`"quantity"`, `"margin"`), empty when none applies.
    public var field: String
    /// The rule, in words: `"must be greater than 0"`.
    public var message: String

    public init(_ code: Code, field: String = "", _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `field: rule`, with control characters escaped (``TerminalText``): a message may quote
    /// the input it refuses, and printing it must not let that input drive a terminal.
    public var description: String {
        TerminalText.escaped(field.isEmpty ? message : "\(field): \(message)")
    }

    public static func invalid(_ field: String, _ rule: String) -> DomainError {
        DomainError(.invalidArgument, field: field, rule)
    }

    public static func notFound(_ field: String, _ rule: String) -> DomainError {
        DomainError(.notFound, field: field, rule)
    }

    public static func overflow(_ what: String) -> DomainError {
        DomainError(.overflow, field: "", "arithmetic overflow in \(what)")
    }
}

extension DomainError {
    /// Runs `body`; an overflow that names no field is named `figure`, the result being
    /// computed, so that every refusal says what it is about ("liquidationPrice: arithmetic
    /// overflow in ..."). Other errors pass unchanged.
    public static func computing<T>(_ figure: String, _ body: () throws(DomainError) -> T) throws(DomainError) -> T {
        do {
            return try body()
        } catch {
            guard error.code == .overflow, error.field.isEmpty else { throw error }
            throw DomainError(.overflow, field: figure, error.message)
        }
    }
}
