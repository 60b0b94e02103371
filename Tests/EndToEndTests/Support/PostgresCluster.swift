import Foundation
import Logging
import PostgresNIO
import TestSupport

/// A database of its own on the tests' throwaway PostgreSQL server for one cluster of
/// `copytraded --postgres` members, and the faults the failover tests inject into it.
struct PostgresCluster {
    let server: PostgresServer
    let database: String

    static func make() async throws -> PostgresCluster {
        let server = try await PostgresServer.shared()
        return PostgresCluster(server: server, database: try await server.createDatabase("e2e_cluster"))
    }

    /// libpq's form, as an operator writes it: the socket folder and port as parameters.
    var url: String { "postgres://\(server.user)@/\(database)?host=\(server.directory)&port=\(server.port)" }

    /// Starts one member (`Daemon` with `--postgres`); the first one started holds the shard.
    func member(_ extra: [String] = [], reorderWindowMs: Int? = 100, ready: [String] = ["status"]) async throws -> Daemon {
        try await Daemon.start(reorderWindowMs: reorderWindowMs, flags: ["--postgres", url] + extra, ready: ready)
    }

    /// Terminates the PostgreSQL session holding shard 0's lease (its advisory lock), as an
    /// operator's `pg_terminate_backend` or a dropped connection would. Returns how many.
    func terminateLeaseSession(shard: Int = 0) async throws -> Int {
        try await sql("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid::bigint = 1129599556 AND objid::bigint = \(shard)
              AND objsubid = 2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """)
    }

    /// Runs a statement returning one integer (or none: 0).
    @discardableResult
    func sql(_ text: String) async throws -> Int {
        let logger = Logger(label: "e2e-postgres") { _ in SwiftLogNoOpLogHandler() }
        let connection = try await PostgresConnection.connect(
            configuration: server.connectionConfiguration(database: database), id: 1, logger: logger)
        do {
            var value = 0
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: text), logger: logger) {
                if let v = try? row.decode(Int64.self) { value = Int(v) }
            }
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
