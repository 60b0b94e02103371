import Journal
@testable import PostgresJournal
import Testing

/// Fencing (docs/journal.md, "Fencing"): a store writes only under its shard's current epoch,
/// so a former holder that has not noticed a takeover can never append or snapshot again.
@Suite("PostgreSQL fencing", .timeLimit(.minutes(3)))
struct PostgresFencingTests {
    @Test("a store opened at epoch 1 cannot append once another holder bumped the epoch to 2")
    func staleEpochIsFencedAndAppendsNothing() async throws {
        let pg = try await JournalPostgres.shared()
        let shard = pg.nextShard()
        let first = try await pg.takeOver(shard: shard)
        #expect(first == 1)
        let former = try await PostgresJournalStore(client: pg.client, shard: shard, epoch: first, logger: .quiet)
        #expect(try await former.append(.sample("before")) == .appended(1))

        let second = try await pg.takeOver(shard: shard, holder: "the new holder")
        #expect(second == 2)
        let error = await #expect(throws: JournalError.self) {
            try await former.append([.sample("late-1"), .sample("late-2")])
        }
        #expect(error?.code == .fenced)
        #expect(error?.message.contains("epoch is 2") == true)
        let snapshotError = await #expect(throws: JournalError.self) {
            try await former.saveSnapshot(sequence: 1, state: [1])
        }
        #expect(snapshotError?.code == .fenced)

        // Nothing of the fenced calls reached the journal; the new holder continues gap-free.
        let current = try await PostgresJournalStore(client: pg.client, shard: shard, epoch: second, logger: .quiet)
        #expect(try await current.allEntries().map(\.key) == ["before"])
        #expect(try await current.latestSnapshot() == nil)
        #expect(try await current.append(.sample("after")) == .appended(2))
        // Reads need no lease: the former holder still sees the journal.
        #expect(try await former.lastSequence == 2)
        try await former.close()
        try await current.close()
    }

    @Test("a shard nobody holds a lease on takes no appends")
    func shardWithoutLeaseIsFenced() async throws {
        let pg = try await JournalPostgres.shared()
        let store = try await PostgresJournalStore(client: pg.client, shard: pg.nextShard(), epoch: 1, logger: .quiet)
        let error = await #expect(throws: JournalError.self) { try await store.append(.sample("a")) }
        #expect(error?.code == .fenced)
        #expect(try await store.lastSequence == 0)
        try await store.close()
    }

    /// A takeover in the middle of a stream of appends: each append either committed before
    /// the new epoch (and was acknowledged) or was refused (and is absent). Nothing
    /// acknowledged is missing, nothing refused is present, and the sequences have no gap.
    @Test("takeover during concurrent appends: acknowledged == journaled")
    func takeoverDuringAppendsLosesNothingAcknowledged() async throws {
        let pg = try await JournalPostgres.shared()
        let shard = pg.nextShard()
        let store = try await PostgresJournalStore(
            client: pg.client, shard: shard, epoch: try await pg.takeOver(shard: shard), logger: .quiet)
        /// Appends `keys` concurrently (with `alongside` running among them); the keys acknowledged.
        func append(_ keys: [String], alongside: (@Sendable () async throws -> Void)? = nil) async throws -> Set<String> {
            try await withThrowingTaskGroup(of: String?.self) { group in
                for (index, key) in keys.enumerated() {
                    group.addTask {
                        do {
                            _ = try await store.append(.sample(key))
                            return key
                        } catch let error as JournalError where error.code == .fenced {
                            return nil
                        }
                    }
                    if index == keys.count / 2, let alongside {
                        group.addTask {
                            try await alongside()
                            return nil
                        }
                    }
                }
                return try await group.reduce(into: Set<String>()) { keys, key in key.map { _ = keys.insert($0) } }
            }
        }
        let before = try await append((0..<100).map { "before-\($0)" })
        let during = try await append((0..<200).map { "during-\($0)" }) { _ = try await pg.takeOver(shard: shard) }
        let after = try await append((0..<100).map { "after-\($0)" })
        #expect(before.count == 100)
        #expect(after.isEmpty)

        let journaled = try await store.allEntries()
        #expect(Set(journaled.map(\.key)) == before.union(during))
        #expect(journaled.map(\.sequence) == Array(1...UInt64(journaled.count)))
        try await store.close()
    }

    @Test("two shards in the same tables are independent: sequences, keys, snapshots, history index")
    func shardsAreIndependent() async throws {
        let pg = try await JournalPostgres.shared()
        let a = try await pg.openFreshShard()
        let b = try await pg.openFreshShard()
        let entry = { (key: String, first: UInt64) in
            NewJournalEntry(key: key, kind: "deposit", receivedMs: 1, input: [1], outcome: [2], firstEvent: first)
        }
        #expect(try await a.append([entry("same", 1), entry("only-a", 5)]) == [.appended(1), .appended(2)])
        #expect(try await b.append([entry("same", 10)]) == [.appended(1)])
        #expect(try await a.allEntries().map(\.key) == ["same", "only-a"])
        #expect(try await b.allEntries().map(\.key) == ["same"])
        #expect(try await b.entry(forKey: "only-a") == nil)
        #expect(try await a.lastSequence == 2)
        #expect(try await b.lastSequence == 1)
        #expect(try await a.keys(after: 0, limit: 10).map(\.key) == ["same", "only-a"])
        #expect(try await a.entrySequence(holdingEvent: 9) == 2)
        #expect(try await b.entrySequence(holdingEvent: 9) == nil)
        try await a.saveSnapshot(sequence: 2, state: [7])
        #expect(try await b.latestSnapshot() == nil)
        await #expect(throws: JournalError.self) { try await b.saveSnapshot(sequence: 2, state: [7]) }
        // Taking one shard over fences that shard only.
        _ = try await pg.takeOver(shard: a.shard)
        await #expect(throws: JournalError.self) { try await a.append(.sample("x")) }
        #expect(try await b.append(.sample("x")) == .appended(2))
        try await a.close()
        try await b.close()
    }

    @Test("a store reopened on the same shard and epoch finds everything, duplicates included")
    func reopenKeepsEverything() async throws {
        let pg = try await JournalPostgres.shared()
        let store = try await pg.openFreshShard()
        _ = try await store.append((1...50).map { .sample("k\($0)") })
        try await store.saveSnapshot(sequence: 40, state: [1, 2, 3])
        let before = try await store.allEntries()
        try await store.close()

        let reopened = try await PostgresJournalStore(
            client: pg.client, shard: store.shard, epoch: store.epoch, logger: .quiet)
        #expect(try await reopened.allEntries(pageSize: 7) == before)
        #expect(try await reopened.append(.sample("k7")) == .duplicate(before[6]))
        #expect(try await reopened.append(.sample("k51")) == .appended(51))
        let snapshot = try #require(try await reopened.latestSnapshot())
        #expect(snapshot.sequence == 40 && snapshot.state == [1, 2, 3])
        try await reopened.close()
    }

    @Test("concurrent appends share transactions (group commit)")
    func concurrentAppendsShareTransactions() async throws {
        let pg = try await JournalPostgres.shared()
        let store = try await pg.openFreshShard()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask { _ = try await store.append(.sample("k\(index)")) }
            }
            try await group.waitForAll()
        }
        let transactions = await store.transactionCount
        #expect(transactions >= 1 && transactions < 500, "500 appends took \(transactions) transactions")
        #expect(try await store.lastSequence == 500)
        try await store.close()
    }
}
