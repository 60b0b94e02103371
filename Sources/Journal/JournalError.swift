/// An error from a journal store: a code to branch on, a message for people, and the
/// underlying error when there is one (a SQLite error, a file-system error).
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, stable enough to map to a status code in one place.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case corrupt, io, closed, invalid, fenced
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The file is not a journal, or its content is damaged or from a newer version.
        public static let corrupt = Code(.corrupt)
        /// Reading or writing the storage failed (disk full, permissions, locked, I/O error).
        public static let io = Code(.io)
        /// The store was closed.
        public static let closed = Code(.closed)
        /// The caller passed something the store will not accept (an empty key, a bad limit).
        public static let invalid = Code(.invalid)
        /// The store's lease epoch is no longer the shard's current one: another holder took
        /// the shard over, so this store may never append again (docs/journal.md, "Fencing").
        /// Nothing of the refused call was written.
        public static let fenced = Code(.fenced)

        public var description: String { value.rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error & Sendable)?

    public init(code: Code, message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause {
            "JournalError(\(code)): \(message) (\(cause))"
        } else {
            "JournalError(\(code)): \(message)"
        }
    }

    package static let closedStore = JournalError(code: .closed, message: "the journal store is closed")
}
