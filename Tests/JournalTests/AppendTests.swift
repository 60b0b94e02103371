import Journal
import Testing

@Suite("Appending and reading back", .timeLimit(.minutes(3)))
struct AppendTests {
    @Test(arguments: StoreKind.allCases)
    func appendedEntriesReadBackInOrder(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        let results = try await store.append([.sample("a"), .sample("b", kind: "mark.price")])
        #expect(results == [.appended(1), .appended(2)])
        #expect(try await store.append(.sample("c")) == .appended(3))

        let entries = try await store.entries(after: 0, limit: 10)
        #expect(entries == [
            NewJournalEntry.sample("a").journaledForTest(1),
            NewJournalEntry.sample("b", kind: "mark.price").journaledForTest(2),
            NewJournalEntry.sample("c").journaledForTest(3),
        ])
        #expect(try await store.entries(after: 1, limit: 1).map(\.key) == ["b"])
        #expect(try await store.entries(after: 3, limit: 10).isEmpty)
        #expect(try await store.entry(forKey: "b")?.sequence == 2)
        #expect(try await store.entry(forKey: "missing") == nil)
        #expect(try await store.lastSequence == 3)
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func emptyPayloadsStayEmpty(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        let entry = NewJournalEntry(key: "k", kind: "", receivedMs: -1, input: [], outcome: [])
        _ = try await store.append(entry)
        #expect(try await store.entry(forKey: "k") == entry.journaledForTest(1))
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateKeyAnswersWithTheOriginalAndAppendsNothing(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        _ = try await store.append([.sample("a"), .sample("b")])
        let original = try #require(try await store.entry(forKey: "a"))

        var replay = NewJournalEntry.sample("a")
        replay.outcome = Array("a different outcome".utf8)
        let results = try await store.append([replay, .sample("c")])
        #expect(results == [.duplicate(original), .appended(3)])
        #expect(results[0].isDuplicate && results[0].sequence == 1)
        #expect(try await store.lastSequence == 3)
        #expect(try await store.entry(forKey: "a") == original)
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func duplicateWithinOneBatchAnswersWithTheFirst(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        var second = NewJournalEntry.sample("x")
        second.kind = "other"
        let results = try await store.append([.sample("x"), .sample("y"), second])
        #expect(results == [
            .appended(1), .appended(2), .duplicate(NewJournalEntry.sample("x").journaledForTest(1)),
        ])
        #expect(try await store.allEntries().map(\.key) == ["x", "y"])
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func emptyKeyIsInvalidAndNothingIsAppended(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        let error = await #expect(throws: JournalError.self) {
            try await store.append([.sample("ok"), .sample("")])
        }
        #expect(error?.code == .invalid)
        #expect(error?.message.contains("'key'") == true)
        #expect(try await store.lastSequence == 0)
        #expect(try await store.append([]) == [])
        let limitError = await #expect(throws: JournalError.self) {
            try await store.entries(after: 0, limit: 0)
        }
        #expect(limitError?.code == .invalid)
        try await store.close()
    }

    @Test(arguments: StoreKind.allCases)
    func everyCallFailsAsClosedAfterClose(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        try await store.close()
        try await store.close()
        let error = await #expect(throws: JournalError.self) { try await store.append(.sample("a")) }
        #expect(error?.code == .closed)
        await #expect(throws: JournalError.self) { try await store.entry(forKey: "a") }
        await #expect(throws: JournalError.self) { try await store.lastSequence }
        await #expect(throws: JournalError.self) { try await store.latestSnapshot() }
    }
}

extension NewJournalEntry {
    func journaledForTest(_ sequence: UInt64) -> JournalEntry {
        JournalEntry(
            sequence: sequence, key: key, kind: kind, receivedMs: receivedMs,
            input: input, outcome: outcome)
    }
}
