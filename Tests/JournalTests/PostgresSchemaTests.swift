import Journal
import PostgresJournal
import PostgresNIO
import Testing

/// The PostgreSQL schema is the project's, versioned in `schema_version`: created on first
/// open, created once when members open together, and refused when newer than this build.
@Suite("PostgreSQL schema", .timeLimit(.minutes(3)))
struct PostgresSchemaTests {
    @Test("a database migrated by a newer version is refused")
    func newerSchemaIsRefused() async throws {
        let pg = try await JournalPostgres.shared()
        let database = try await pg.server.createDatabase("schema_newer")
        try await pg.server.withClient(database: database) { client in
            let store = try await PostgresJournalStore(client: client, shard: 0, epoch: 1, logger: .quiet)
            try await store.close()
            let versions = try await client.query("SELECT version FROM schema_version ORDER BY version")
                .decode(Int32.self).reduce(into: []) { $0.append($1) }
            #expect(versions == Array(1...PostgresJournalSchema.currentVersion))
            try await client.query("INSERT INTO schema_version VALUES (99, 'v99-from-the-future', 0)")
            let error = await #expect(throws: JournalError.self) {
                try await PostgresJournalStore(client: client, shard: 0, epoch: 1, logger: .quiet)
            }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("newer version") == true)
        }
    }

    @Test("another application's journal table is not taken for ours")
    func foreignJournalTableIsRefused() async throws {
        let pg = try await JournalPostgres.shared()
        let database = try await pg.server.createDatabase("schema_foreign")
        try await pg.server.withClient(database: database) { client in
            try await client.query("CREATE TABLE journal (id integer PRIMARY KEY, note text)")
            let error = await #expect(throws: JournalError.self) {
                try await PostgresJournalStore(client: client, shard: 0, epoch: 1, logger: .quiet)
            }
            #expect(error?.code == .corrupt)
            #expect(error?.message.contains("not a journal") == true)
        }
    }

    @Test("members opening a new database together migrate it once")
    func concurrentOpensMigrateOnce() async throws {
        let pg = try await JournalPostgres.shared()
        let database = try await pg.server.createDatabase("schema_race")
        try await pg.server.withClient(database: database) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for shard in 0..<8 {
                    group.addTask {
                        let store = try await PostgresJournalStore(client: client, shard: shard, epoch: 1, logger: .quiet)
                        try await store.close()
                    }
                }
                try await group.waitForAll()
            }
            let versions = try await client.query("SELECT count(*) FROM schema_version").decode(Int64.self)
                .reduce(into: []) { $0.append($1) }
            #expect(versions == [Int64(PostgresJournalSchema.currentVersion)])
        }
    }

    @Test("a bad shard number is invalid")
    func negativeShardIsInvalid() async throws {
        let pg = try await JournalPostgres.shared()
        let error = await #expect(throws: JournalError.self) {
            try await PostgresJournalStore(client: pg.client, shard: -1, epoch: 1, logger: .quiet)
        }
        #expect(error?.code == .invalid)
    }
}
