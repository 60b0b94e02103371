/// The one error type of this module: a status code, a message and an optional cause.
///
/// Handlers may throw it directly, or throw their own errors conforming to
/// ``TTRPCStatusConvertible`` so the mapping from domain failures to wire statuses lives in
/// one place. Anything else becomes `INTERNAL`.
public struct TTRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// The underlying error, kept for logs; never sent on the wire.
    public var cause: (any Error)?

    public init(code: StatusCode, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        "ttrpc error: code = \(code) desc = \(message)"
    }

    public static func == (lhs: TTRPCError, rhs: TTRPCError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}

/// Lets a caller's domain error choose its own ttrpc status.
public protocol TTRPCStatusConvertible: Error {
    var ttrpcStatus: TTRPCError { get }
}

extension TTRPCError: TTRPCStatusConvertible {
    public var ttrpcStatus: TTRPCError { self }
}

extension TTRPCError {
    /// Maps any error thrown by a handler to the status sent to the peer.
    ///
    /// `CancellationError` means the call was cancelled, or, when the deadline already passed,
    /// that it ran out of time; Go reports the same two cases as `Canceled`/`DeadlineExceeded`.
    static func from(_ error: any Error, deadlineExpired: Bool) -> TTRPCError {
        if let convertible = error as? any TTRPCStatusConvertible {
            return convertible.ttrpcStatus
        }
        if error is CancellationError {
            return deadlineExpired
                ? TTRPCError(code: .deadlineExceeded, message: "context deadline exceeded")
                : TTRPCError(code: .cancelled, message: "context canceled")
        }
        return TTRPCError(code: .internal, message: String(describing: error), cause: error)
    }

    /// The `google.rpc.Status` carried in a `ttrpc.Response`.
    var rpcStatus: Google_Rpc_Status {
        var status = Google_Rpc_Status()
        status.code = code.rawValue
        status.message = message
        return status
    }

    /// Interprets a received status; `nil` when it says OK.
    init?(status: Google_Rpc_Status) {
        guard status.code != 0 else { return nil }
        self.init(code: StatusCode(wireValue: status.code), message: status.message)
    }
}
