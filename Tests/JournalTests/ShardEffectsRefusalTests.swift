import Journal
import Testing

/// A one-process store has nowhere to write cross-shard messages, a consumed cursor or
/// directory rows: it must refuse an entry carrying them, never journal the entry without
/// them (a dropped message is lost for good).
@Suite("One-process stores refuse cross-shard effects", .timeLimit(.minutes(1)))
struct ShardEffectsRefusalTests {
    static let carrying: [(field: String, entry: NewJournalEntry)] = [
        ("messages", NewJournalEntry(
            key: "m", kind: "follow.request", receivedMs: 1, input: [], outcome: [],
            messages: [OutgoingShardMessage(target: 1, payload: [1])])),
        ("consumed", NewJournalEntry(
            key: "c", kind: "follow.apply", receivedMs: 1, input: [], outcome: [],
            consumed: ShardMessageCursor(source: 1, sequence: 1, index: 0))),
        ("directory", NewJournalEntry(
            key: "d", kind: "trader.open", receivedMs: 1, input: [], outcome: [],
            directory: [AccountDirectoryEntry(account: "t1", role: "trader")])),
    ]

    @Test(arguments: [StoreKind.sqlite, .inMemory], 0..<carrying.count)
    func entryWithShardEffectsIsRefusedAndNothingIsAppended(kind: StoreKind, field: Int) async throws {
        let directory = try TemporaryDirectory()
        let store = try await kind.make(in: directory)
        let (name, entry) = Self.carrying[field]
        let appends: [@Sendable ([NewJournalEntry]) async throws -> [AppendResult]] = [
            { try await store.append($0) }, { try await store.appendBatch($0) },
        ]
        for append in appends {
            let error = await #expect(throws: JournalError.self) {
                try await append([.sample("fine"), entry])
            }
            #expect(error?.code == .invalid)
            #expect(error?.message.contains("entry 1: '\(name)'") == true, "\(error.map(String.init(describing:)) ?? "")")
            #expect(error?.message.contains("only a sharded PostgreSQL store") == true)
        }
        // The whole call was refused, the valid entry with it.
        #expect(try await store.lastSequence == 0)
        #expect(try await store.append(.sample("fine")) == .appended(1))
        try await store.close()
    }
}
