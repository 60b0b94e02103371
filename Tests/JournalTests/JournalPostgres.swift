import Journal
import Logging
@testable import PostgresJournal
import PostgresNIO
import Synchronization
import TestSupport

/// The journal tests' PostgreSQL: one database on the process's throwaway cluster
/// (`PostgresServer`), with one client running for the whole process. Every test takes shard
/// numbers of its own, so tests share the tables without seeing each other's rows, the way
/// shards do in production.
final class JournalPostgres: Sendable {
    let server: PostgresServer
    let database: String
    let client: PostgresClient
    private let shards = Atomic<Int>(0)

    private init(server: PostgresServer, database: String, client: PostgresClient) {
        self.server = server
        self.database = database
        self.client = client
    }

    static func shared() async throws -> JournalPostgres { try await starter.get() }

    /// A shard number no other test uses.
    func nextShard() -> Int { shards.add(1, ordering: .relaxed).newValue }

    /// Bumps `shard`'s epoch as a takeover does, without holding its advisory lock: what a
    /// new holder does to the former one's store.
    func takeOver(shard: Int, holder: String = "journal-tests") async throws -> Int64 {
        try await client.withConnection { c in
            try await ShardLease.bumpEpoch(shard: Int32(shard), holder: holder, on: c, logger: .quiet)
        }
    }

    /// A store of a shard never used before, under that shard's first epoch: an empty journal.
    func openFreshShard() async throws -> PostgresJournalStore {
        let shard = nextShard()
        let epoch = try await takeOver(shard: shard)
        return try await PostgresJournalStore(client: client, shard: shard, epoch: epoch, logger: .quiet)
    }

    func leaseConfiguration() -> PostgresConnection.Configuration {
        server.connectionConfiguration(database: database)
    }

    private static let starter = Starter()

    private actor Starter {
        private var start: Task<JournalPostgres, any Error>?

        func get() async throws -> JournalPostgres {
            if start == nil {
                start = Task {
                    let server = try await PostgresServer.shared()
                    let database = try await server.createDatabase("journal_tests")
                    let client = PostgresClient(configuration: server.clientConfiguration(database: database))
                    // Runs until the process exits; the server's exit handler ends its sessions.
                    Task.detached { await client.run() }
                    try await client.withConnection { c in try await PostgresJournalSchema.migrate(on: c, logger: .quiet) }
                    return JournalPostgres(server: server, database: database, client: client)
                }
            }
            return try await start!.value
        }
    }
}
