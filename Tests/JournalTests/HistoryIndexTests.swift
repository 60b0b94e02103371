import Foundation
import GRDB
import Journal
import Testing

/// The `first_event` index (docs/journal.md, "History index"): the entry holding an event is
/// found without reading the journal, in both stores, and a journal written before the index
/// existed is migrated, its old entries simply unindexed.
@Suite("History index")
struct JournalHistoryIndexTests {
    static func entry(_ key: String, firstEvent: UInt64?) -> NewJournalEntry {
        NewJournalEntry(key: key, kind: "deposit", receivedMs: 1, input: [1], outcome: [2], firstEvent: firstEvent)
    }

    @Test("the entry holding an event: the last whose first event is at or before it", arguments: StoreKind.allCases)
    func findsTheHoldingEntry(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        // Entries 1..4: events 1-3, none, 4, 5-9.
        _ = try await store.append([Self.entry("a", firstEvent: 1), Self.entry("b", firstEvent: nil),
                                    Self.entry("c", firstEvent: 4), Self.entry("d", firstEvent: 5)])
        #expect(try await store.entrySequence(holdingEvent: 1) == 1)
        #expect(try await store.entrySequence(holdingEvent: 3) == 1)
        #expect(try await store.entrySequence(holdingEvent: 4) == 3)
        #expect(try await store.entrySequence(holdingEvent: 9) == 4)
        #expect(try await store.entrySequence(holdingEvent: 1_000) == 4)
        #expect(try await store.entrySequence(holdingEvent: 0) == nil)
        try await store.close()
    }

    @Test("a journal from before the index is migrated: old entries unindexed, new ones indexed, all readable")
    func migratesAnOlderJournal() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("old.sqlite")
        // The v1 schema, as the previous version wrote it, with two entries.
        let queue = try DatabaseQueue(path: path)
        var v1 = DatabaseMigrator()
        v1.registerMigration("v1-journal-and-snapshot") { db in
            try db.execute(sql: """
                CREATE TABLE journal (sequence INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                    received_ms INTEGER NOT NULL, input BLOB NOT NULL, outcome BLOB NOT NULL);
                CREATE TABLE snapshot (sequence INTEGER PRIMARY KEY, state BLOB NOT NULL, created_ms INTEGER NOT NULL);
                INSERT INTO journal VALUES (1, 'old-1', 'deposit', 1, x'01', x'02'), (2, 'old-2', 'deposit', 1, x'01', x'02');
                """)
        }
        try v1.migrate(queue)
        try queue.close()

        let store = try SQLiteJournalStore(path: path, logger: .quiet)
        #expect(try await store.entrySequence(holdingEvent: 1) == nil)
        #expect(try await store.append(Self.entry("new-1", firstEvent: 3)) == .appended(3))
        #expect(try await store.entrySequence(holdingEvent: 2) == nil)
        #expect(try await store.entrySequence(holdingEvent: 3) == 3)
        #expect(try await store.entries(after: 0, limit: 10).map(\.key) == ["old-1", "old-2", "new-1"])
        try await store.close()
    }
}
