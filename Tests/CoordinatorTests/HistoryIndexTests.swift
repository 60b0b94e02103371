import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import Synchronization
import Testing
@testable import Coordinator

/// `history --after N` starts at the journal entry holding event N+1 (the `first_event` index,
/// docs/journal.md "History index"), so it reads a page or two however long the journal is.
@Suite("History index")
struct HistoryIndexTests {
    @Test("history --after N --limit 10 on 3,001 entries reads one page and returns exactly N+1...N+10")
    func historyReadsFromTheIndexedEntry() async throws {
        let store = CountingStore()
        let sequencer = try await Sequencer(engine: Engine(modules: .inProcess()), store: store,
                                            clock: ManualClock(startMs: 1_700_000_000_000),
                                            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        var create = Copytrade_V1_Input()
        create.createAccount.accountID = "A"
        create.createAccount.role = .trader
        _ = try await sequencer.submit(create, key: "c")
        // A mark without positions has no events: entries without events are skipped correctly.
        var mark = Copytrade_V1_Input()
        mark.setMark.symbol = "BTCUSDT"
        mark.setMark.priceE8 = 20_000 * 100_000_000
        _ = try await sequencer.submit(mark, key: "m")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 1...3_000 {
                group.addTask {
                    var i = Copytrade_V1_Input()
                    i.deposit.accountID = "A"
                    i.deposit.amountE8 = Int64(n) * 100_000_000
                    _ = try await sequencer.submit(i, key: "d\(n)")
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.lastSequence == 3_002)
        #expect(try await store.entrySequence(holdingEvent: 2_501) == 2_502)
        store.reads.withLock { $0 = 0 }

        let page = try await sequencer.history(account: "", afterEvent: 2_500, limit: 10, kindPrefix: "")
        #expect(page.map(\.sequence) == Array(2_501...2_510))
        #expect(page.allSatisfy { $0.kind == "deposit" && $0.accountID == "A" })
        #expect(store.reads.withLock { $0 } == 1)

        // The last events, the first ones, and past the end.
        store.reads.withLock { $0 = 0 }
        #expect(try await sequencer.history(account: "", afterEvent: 2_995, limit: 10, kindPrefix: "").map(\.sequence)
                == Array(2_996...3_001))
        #expect(store.reads.withLock { $0 } == 1)
        #expect(try await sequencer.history(account: "", afterEvent: 0, limit: 3, kindPrefix: "").map(\.sequence) == [1, 2, 3])
        #expect(try await sequencer.history(account: "", afterEvent: 3_001, limit: 10, kindPrefix: "").isEmpty)
        // Filters apply after the start: kind and account.
        #expect(try await sequencer.history(account: "B", afterEvent: 100, limit: 10, kindPrefix: "").isEmpty)
        #expect(try await sequencer.history(account: "A", afterEvent: 100, limit: 2, kindPrefix: "deposit").map(\.sequence) == [101, 102])
    }
}

/// The in-memory journal, counting the pages read (`entries(after:limit:)` calls).
final class CountingStore: JournalStore {
    let inner = InMemoryJournalStore()
    let reads = Mutex(0)

    func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult] { try await inner.append(entries) }
    func entry(forKey key: String) async throws -> JournalEntry? { try await inner.entry(forKey: key) }
    func entries(after: UInt64, limit: Int) async throws -> [JournalEntry] {
        reads.withLock { $0 += 1 }
        return try await inner.entries(after: after, limit: limit)
    }
    func entrySequence(holdingEvent event: UInt64) async throws -> UInt64? { try await inner.entrySequence(holdingEvent: event) }
    var lastSequence: UInt64 { get async throws { try await inner.lastSequence } }
    func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws { try await inner.saveSnapshot(sequence: sequence, state: state) }
    func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])? { try await inner.latestSnapshot() }
    func close() async throws { await inner.close() }
}
