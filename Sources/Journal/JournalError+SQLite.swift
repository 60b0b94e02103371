import Foundation
import GRDB

extension JournalError {
    /// Maps any error met while using the database to a `JournalError`, so callers see one
    /// error type whatever the storage: damage and "not a database" are `.corrupt`, the rest
    /// of SQLite's and the file system's failures are `.io`.
    static func wrapping(_ error: any Error, while doing: String) -> JournalError {
        if let error = error as? JournalError { return error }
        guard let error = error as? DatabaseError else {
            return JournalError(code: .io, message: "\(doing) failed", cause: error)
        }
        switch error.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return JournalError(
                code: .corrupt, message: "\(doing) failed: the file is not a valid journal",
                cause: error)
        default:
            return JournalError(
                code: .io, message: "\(doing) failed: \(error.message ?? "\(error.resultCode)")",
                cause: error)
        }
    }
}

/// Runs `body`, turning whatever it throws into a `JournalError`.
func mappingErrors<T>(while doing: String, _ body: () async throws -> T) async throws(JournalError) -> T {
    do {
        return try await body()
    } catch {
        throw JournalError.wrapping(error, while: doing)
    }
}

/// Runs `body`, turning whatever it throws into a `JournalError` (synchronous variant).
func mappingErrors<T>(while doing: String, _ body: () throws -> T) throws(JournalError) -> T {
    do {
        return try body()
    } catch {
        throw JournalError.wrapping(error, while: doing)
    }
}
