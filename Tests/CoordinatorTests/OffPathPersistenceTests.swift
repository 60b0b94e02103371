import CopyTradeCore
import CopyTradeProto
import Journal
import Testing
@testable import Coordinator

/// Issue 13 moved two things off the sequencer's path (docs/journal.md, "Large outcomes and
/// snapshots"): a large outcome is encoded on another core while it is applied, and a snapshot
/// is encoded and written beside the input loop. Neither may change what is journaled or what
/// a restart rebuilds.
@Suite("Large outcomes and snapshots off the sequencer's path")
struct OffPathPersistenceTests {
    static let copiers = 600

    /// A trader followed by `copiers` copiers, each with 10,000 USDT and a BTCUSDT mark.
    static func fanOutSetUp(_ h: CoordinatorHarness) async throws {
        try await h.account("T", trader: true, deposit: "1000000")
        for i in 0..<copiers {
            try await h.account("c-\(i)", trader: false, deposit: "10000")
            try await h.submit {
                $0.follow.copierID = "c-\(i)"
                $0.follow.traderID = "T"
                $0.follow.multiplierE8 = CoordinatorHarness.e8("1")
                $0.follow.leverage = 10
            }
        }
        try await h.submit { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = CoordinatorHarness.e8("60000") }
    }

    static func expectSame(_ a: EngineState, _ b: EngineState) {
        #expect(a.accounts == b.accounts)
        #expect(a.positions == b.positions)
        #expect(a.relations == b.relations)
        #expect(a.positionsByAccount == b.positionsByAccount)
        #expect(a.copiesOf == b.copiesOf)
        #expect(a.liquidationIndex.count == b.liquidationIndex.count)
        #expect(a.nextID == b.nextID && a.nextEventSequence == b.nextEventSequence)
    }

    @Test("a fan-out big enough to be encoded beside its apply journals exactly its outcome; a restart rebuilds the same state")
    func largeOutcome() async throws {
        let store = InMemoryJournalStore()
        let h = try await CoordinatorHarness(store: store)
        try await Self.fanOutSetUp(h)
        let result = try await h.open(quantity: "1", price: "60000", key: "open")
        #expect(result.events.filter { $0.kind == "copy.opened" }.count == Self.copiers)
        await h.sequencer.settle()

        // The journaled outcome is the large kind, and it says what was applied.
        let entry = try #require(try await store.entry(forKey: "open"))
        let outcome = try Copytrade_V1_Outcome(serializedBytes: entry.outcome)
        #expect(outcome.positions.count + outcome.events.count >= 1_024)
        #expect(outcome.events == result.events)
        let live = await h.sequencer.snapshotOfState
        for p in outcome.positions {
            #expect(live.positions[p.positionID] == RecordWire.position(p))
        }

        // No snapshot was due: the restart replays the journal, the open included.
        #expect(try await store.latestSnapshot() == nil)
        let restarted = try await CoordinatorHarness(store: store)
        Self.expectSame(await restarted.sequencer.snapshotOfState, live)
        // The key is answered from the journal with the same events.
        let again = try await restarted.open(quantity: "1", price: "60000", key: "open")
        #expect(again.duplicate && again.events == result.events)
    }

    @Test("snapshots written beside the input loop while inputs keep arriving: nothing lost, nothing applied twice after a restart")
    func snapshotsBesideTheLoop() async throws {
        var policy = SequencerPolicy()
        policy.snapshotEveryInputs = 7
        let store = InMemoryJournalStore()
        let h = try await CoordinatorHarness(store: store, policy: policy)
        try await Self.fanOutSetUp(h)
        _ = try await h.open(quantity: "1", price: "60000", key: "open")
        // Deposits in flight together, so snapshots fall due (every 7 inputs) while others are
        // decided and while a snapshot is still being written.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<300 {
                group.addTask {
                    try await h.submit("d-\(i)") {
                        $0.deposit.accountID = "c-\(i % Self.copiers)"
                        $0.deposit.amountE8 = CoordinatorHarness.e8("1")
                    }
                }
            }
            try await group.waitForAll()
        }
        await h.sequencer.settle()
        let live = await h.sequencer.snapshotOfState
        let snapshot = try #require(try await store.latestSnapshot())
        let last = try #require(try await store.entries(after: 0, limit: 100_000).last?.sequence)
        #expect(snapshot.sequence > 0 && snapshot.sequence <= last)

        let restarted = try await CoordinatorHarness(store: store, policy: policy)
        let recovered = await restarted.sequencer.snapshotOfState
        Self.expectSame(recovered, live)
        // Each deposit counted once: 10,000 + 1 per deposit, less the open's margin and fee.
        let deposits = recovered.accounts.values.filter { $0.role == .copier }.reduce(Decimal8.zero) { try! $0 + $1.deposits }
        #expect(deposits == (try Decimal8(parsing: "\(Self.copiers * 10_000 + 300)")))
    }
}
