@testable import Journal
import Testing

@Suite("Reopening and snapshots", .timeLimit(.minutes(3)))
struct PersistenceTests {
    @Test(arguments: SQLiteJournalStore.Durability.allCases)
    func reopenAfterCloseKeepsEverything(durability: SQLiteJournalStore.Durability) async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(
            path: directory.journalPath, durability: durability, logger: .quiet)
        _ = try await store.append((1...50).map { .sample("k\($0)") })
        try await store.saveSnapshot(sequence: 40, state: [1, 2, 3])
        let before = try await store.allEntries()
        try await store.close()

        let reopened = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        #expect(try await reopened.allEntries(pageSize: 7) == before)
        #expect(try await reopened.lastSequence == 50)
        #expect(try await reopened.append(.sample("k7")) == .duplicate(before[6]))
        #expect(try await reopened.append(.sample("k51")) == .appended(51))
        let snapshot = try #require(try await reopened.latestSnapshot())
        #expect(snapshot.sequence == 40 && snapshot.state == [1, 2, 3])
        try await reopened.close()
    }

    @Test(arguments: StoreKind.allCases)
    func recoveryIsLatestSnapshotPlusEntriesAfterIt(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        #expect(try await store.latestSnapshot() == nil)
        _ = try await store.append((1...10).map { .sample("k\($0)") })
        for sequence in [2, 4, 6, 8] as [UInt64] {
            try await store.saveSnapshot(sequence: sequence, state: [UInt8(sequence)])
        }
        try await store.saveSnapshot(sequence: 8, state: [88])  // replaces the one at 8

        let snapshot = try #require(try await store.latestSnapshot())
        #expect(snapshot.sequence == 8 && snapshot.state == [88])
        let replay = try await store.entries(after: snapshot.sequence, limit: 100)
        #expect(replay.map(\.key) == ["k9", "k10"])
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func snapshotPastTheJournalIsInvalid(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        _ = try await store.append(.sample("a"))
        let error = await #expect(throws: JournalError.self) {
            try await store.saveSnapshot(sequence: 2, state: [])
        }
        #expect(error?.code == .invalid)
        try await store.saveSnapshot(sequence: 1, state: [])
        #expect(try await store.latestSnapshot()?.state == [])
        try await store.close()
    }
}


@Suite("Durability setting", .timeLimit(.minutes(3)))
struct DurabilitySettingTests {
    // GRDB's DatabasePool sets synchronous=NORMAL when it enables WAL: check ours wins.
    @Test(arguments: SQLiteJournalStore.Durability.allCases)
    func writerUsesTheRequestedSynchronousMode(durability: SQLiteJournalStore.Durability) async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(
            path: directory.journalPath, durability: durability, logger: .quiet)
        #expect(try await store.writerSynchronous() == (durability == .full ? 2 : 1))
        try await store.close()
    }
}
