import Journal
import Logging
import PostgresNIO

extension JournalError {
    /// Maps whatever postgres-nio throws to a `JournalError`, so callers see one error type
    /// whatever the storage. A `JournalError` thrown inside a transaction (`.fenced`,
    /// `.invalid`) passes through unchanged. `PSQLError`'s own description hides the server's
    /// message on purpose (it may carry data); the message and SQLSTATE are what an operator
    /// needs, and they never contain bound values.
    static func wrappingPostgres(_ error: any Error, while doing: String) -> JournalError {
        if let error = error as? JournalError { return error }
        if let error = error as? PSQLError {
            if let info = error.serverInfo, let message = info[.message] {
                let state = info[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return JournalError(code: .io, message: "\(doing) failed: \(message)\(state)", cause: error)
            }
            let underlying = error.underlying.map { ": \($0)" } ?? ""
            return JournalError(code: .io, message: "\(doing) failed: PostgreSQL \(error.code)\(underlying)", cause: error)
        }
        return JournalError(code: .io, message: "\(doing) failed: \(error)", cause: error)
    }
}

/// Runs `body`, turning whatever it throws into a `JournalError`.
func mappingPostgresErrors<T>(while doing: String, _ body: () async throws -> T) async throws(JournalError) -> T {
    do {
        return try await body()
    } catch {
        throw JournalError.wrappingPostgres(error, while: doing)
    }
}

extension PostgresConnection {
    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws
    /// (its error is rethrown as it is, so a `.fenced` stays `.fenced`). A connection whose
    /// rollback fails is closed rather than handed back to the pool mid-transaction.
    func inTransaction<T: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await query("BEGIN", logger: logger)
        let value: T
        do {
            value = try await body(self)
        } catch {
            do {
                try await query("ROLLBACK", logger: logger)
            } catch {
                try? await close()
            }
            throw error
        }
        // A COMMIT whose answer is lost leaves the outcome unknown: the caller is told it
        // failed, and a retry of the same keys is answered from the journal either way.
        try await query("COMMIT", logger: logger)
        return value
    }

    /// Runs a statement and decodes its single row of one column (nil when there is no row).
    func scalar<T: PostgresDecodable & Sendable>(
        _ query: PostgresQuery, as type: T.Type, logger: Logger
    ) async throws -> T? {
        var value: T?
        for try await column in try await self.query(query, logger: logger).decode(T.self) {
            value = column
        }
        return value
    }
}

/// The advisory-lock key space of this project: the first half of PostgreSQL's two-integer
/// advisory lock key, so other applications' locks on the same database cannot collide with
/// ours. The second half is the shard number, or `schemaMigrationLock` for migrations.
enum AdvisoryLock {
    /// "CTRD" in ASCII.
    static let namespace: Int32 = 0x4354_5244
    /// Serializes schema migrations across processes (never a shard number: those are >= 0).
    static let schemaMigration: Int32 = -1
}
