import GRDB
import Journal
import Testing

@Suite("Group commit", .timeLimit(.minutes(3)))
struct GroupCommitTests {
    @Test(arguments: StoreKind.allCases)
    func sequencesStayGapFreeUnderConcurrentAppends(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        let count = 1_000
        let sequences = try await withThrowingTaskGroup(of: (String, UInt64).self) { group in
            for index in 0..<count {
                group.addTask {
                    let key = "k\(index)"
                    return (key, try await store.append(.sample(key)).sequence)
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(Set(sequences.values) == Set(1...UInt64(count)))
        let entries = try await store.allEntries()
        #expect(entries.map(\.sequence) == Array(1...UInt64(count)))
        for entry in entries {
            #expect(sequences[entry.key] == entry.sequence)
        }
        try await store.close()
    }

    @Test func concurrentAppendsShareTransactions() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1_000 {
                group.addTask { _ = try await store.append(.sample("k\(index)")) }
            }
            try await group.waitForAll()
        }
        let transactions = await store.transactionCount
        #expect(transactions >= 1 && transactions < 1_000, "1,000 appends took \(transactions) transactions")
        try await store.close()
    }

    @Test func batchesAreCappedButCallersEntriesStayTogether() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(
            path: directory.journalPath, maxBatchEntries: 2, logger: .quiet)
        // One call larger than the cap still commits as one transaction.
        let results = try await store.append((0..<5).map { .sample("big\($0)") })
        #expect(results.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(await store.transactionCount == 1)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await store.append(.sample("k\(index)")) }
            }
            try await group.waitForAll()
        }
        #expect(await store.transactionCount >= 11)
        #expect(try await store.lastSequence == 25)
        try await store.close()
    }

    @Test func closeWaitsForAppendsInFlight() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        let acknowledged = await withTaskGroup(of: String?.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let key = "k\(index)"
                    return (try? await store.append(.sample(key))) == nil ? nil : key
                }
            }
            group.addTask {
                try? await store.close()
                return nil
            }
            return await group.reduce(into: []) { keys, key in key.map { keys.append($0) } }
        }
        let reopened = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        let keys = Set(try await reopened.allEntries().map(\.key))
        #expect(keys == Set(acknowledged))
        try await reopened.close()
    }
}

@Suite("Failed transactions", .timeLimit(.minutes(3)))
struct FailedTransactionTests {
    /// A trigger makes the transaction holding key "poison" fail: its callers get the error,
    /// nothing of it is journaled, and the sequences after it stay gap-free.
    @Test func failedTransactionFailsItsCallersAndLeavesNoGap() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        _ = try await store.append(.sample("before"))
        try await GRDB.DatabaseQueue(path: directory.journalPath).write { db in
            try db.execute(sql: """
                CREATE TRIGGER poison BEFORE INSERT ON journal WHEN NEW.key = 'poison'
                BEGIN SELECT RAISE(ABORT, 'poisoned'); END
                """)
        }
        let error = await #expect(throws: JournalError.self) {
            try await store.append([.sample("same-transaction"), .sample("poison")])
        }
        #expect(error?.code == .io)
        #expect(error?.message.contains("poisoned") == true)
        #expect(try await store.entry(forKey: "same-transaction") == nil)
        #expect(try await store.append(.sample("after")) == .appended(2))
        #expect(try await store.allEntries().map(\.key) == ["before", "after"])
        try await store.close()
    }
}

/// The coordinator's commit pipeline batches itself: `appendBatch` commits its entries in one
/// transaction of their own, not queued behind other appenders (one batcher on that path).
@Suite("Append batch")
struct AppendBatchTests {
    @Test func appendBatchIsOneTransactionOfItsOwn() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        let before = await store.transactionCount
        let results = try await store.appendBatch((0..<50).map { .sample("b\($0)") })
        #expect(results.map(\.sequence) == Array(1...50))
        #expect(await store.transactionCount == before + 1)
        let again = try await store.appendBatch([.sample("b3"), .sample("b50")])
        #expect(again[0].isDuplicate && again[1].sequence == 51)
        try await store.close()
    }
}
