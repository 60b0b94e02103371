import CopyTradeCore
import TTRPC

/// Domain refusals cross the wire as ttrpc statuses: the gRPC code from the error's code and the
/// message `"field: rule"`, which every client (and a C plugin) can read as plain text.
extension DomainError: TTRPCStatusConvertible {
    public var ttrpcStatus: TTRPCError {
        TTRPCError(code: code.statusCode, message: description)
    }
}

extension DomainError.Code {
    /// The gRPC status code for this kind of refusal.
    public var statusCode: StatusCode {
        switch self {
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .failedPrecondition: .failedPrecondition
        case .outOfRange, .overflow: .outOfRange
        case .unimplemented: .unimplemented
        case .internal: .internal
        case .deadlineExceeded: .deadlineExceeded
        case .resourceExhausted: .resourceExhausted
        case .unavailable: .unavailable
        }
    }

    init?(statusCode: StatusCode) {
        switch statusCode {
        case .invalidArgument: self = .invalidArgument
        case .notFound: self = .notFound
        case .alreadyExists: self = .alreadyExists
        case .failedPrecondition: self = .failedPrecondition
        case .outOfRange: self = .outOfRange
        case .unimplemented: self = .unimplemented
        default: return nil
        }
    }
}

/// Reads a domain refusal back from a ttrpc status (the inverse of ``DomainError/ttrpcStatus``).
public enum DomainErrorWire {
    /// The domain error a status carries, or nil for transport failures (unavailable, deadline...).
    public static func decode(_ error: TTRPCError) -> DomainError? {
        guard let code = DomainError.Code(statusCode: error.code) else { return nil }
        let message = error.message
        if let range = message.range(of: ": ") {
            let field = String(message[..<range.lowerBound])
            if !field.isEmpty, !field.contains(" ") {
                return DomainError(code, field: field, String(message[range.upperBound...]))
            }
        }
        return DomainError(code, field: "", message)
    }

    /// Runs a remote call and turns a domain status back into a ``DomainError``, so callers
    /// handle in-process and remote refusals the same way.
    public static func rethrowing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as TTRPCError {
            if let d = decode(e) { throw d }
            throw e
        }
    }
}
