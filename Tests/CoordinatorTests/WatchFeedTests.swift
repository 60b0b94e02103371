import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import Testing
@testable import Coordinator

/// A watcher's buffer is bounded: one that does not read is ended past the bound and its
/// events released, never followed without bound nor skipped (docs/decisions.md, "Coordinator").
@Suite("Watch feed")
struct WatchFeedTests {
    static func deposit(_ sequencer: Sequencer, _ n: Int) async throws {
        var i = Copytrade_V1_Input()
        i.deposit.accountID = "A"
        i.deposit.amountE8 = Int64(n) * 100_000_000
        _ = try await sequencer.submit(i, key: "d\(n)")
    }

    static func start() async throws -> Sequencer {
        let sequencer = try await Sequencer(engine: Engine(modules: .inProcess()), store: InMemoryJournalStore(),
                                            clock: ManualClock(startMs: 1_700_000_000_000),
                                            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        var create = Copytrade_V1_Input()
        create.createAccount.accountID = "A"
        create.createAccount.role = .trader
        _ = try await sequencer.submit(create, key: "c")
        return sequencer
    }

    @Test("a watcher that never reads is dropped past its bound, ending with fellBehind; a reader gets every event once")
    func stuckWatcherIsDropped() async throws {
        let sequencer = try await Self.start()
        let stuck = await sequencer.subscribe(account: "", afterEvent: 1, bufferLimit: 5)
        var reader = await sequencer.subscribe(account: "", afterEvent: 0, bufferLimit: 1_000)
        for n in 1...5 { try await Self.deposit(sequencer, n) }
        #expect(stuck.feed.waiting == 5)
        #expect(stuck.feed.end == nil)
        #expect(await sequencer.watchers.count == 2)
        try await Self.deposit(sequencer, 6)
        #expect(stuck.feed.end == .fellBehind)
        #expect(stuck.feed.waiting == 0)
        #expect(await sequencer.watchers.count == 1)
        var stuckCursor = stuck
        #expect(try await stuckCursor.next() == nil)

        var got: [UInt64] = []
        for _ in 0..<7 { got.append(try #require(try await reader.next()).sequence) }
        #expect(got == Array(1...7))
        await sequencer.unsubscribe(reader.id)
        #expect(reader.feed.end == .finished)
        #expect(await sequencer.watchers.isEmpty)
    }

    @Test("the feed's end interrupts its writer once, whichever way it ends")
    func endRunsTheHandler() async throws {
        let feed = WatchFeed(limit: 2)
        let calls = Counter()
        feed.onEnd { calls.add() }
        var e = Copytrade_V1_Event()
        e.sequence = 1
        #expect(feed.push([e, e]))
        #expect(calls.value == 0)
        #expect(!feed.push([e]))
        #expect(calls.value == 1)
        feed.finish()
        #expect(feed.end == .fellBehind)
        #expect(calls.value == 1)
        feed.onEnd { calls.add() }
        #expect(calls.value == 2)
    }
}

import Synchronization

final class Counter: Sendable {
    private let n = Mutex(0)
    func add() { n.withLock { $0 += 1 } }
    var value: Int { n.withLock { $0 } }
}
