import CopyTradeCore
import CopyTradeProto
import Journal
import Synchronization
import Testing
@testable import Coordinator

/// The sequencer's policy on the whole coordinator in process (docs/decisions.md, "Sequencer"):
/// keys past the retention are answered from the journal, snapshots by time, a bounded queue.
@Suite("Sequencer policy")
struct SequencerPolicyTests {
    static let day: Int64 = 86_400_000

    static func deposit(_ h: CoordinatorHarness, _ key: String, _ account: String, _ amount: String) async throws -> Copytrade_V1_InputResult {
        try await h.submit(key) { $0.deposit.accountID = account; $0.deposit.amountE8 = CoordinatorHarness.e8(amount) }
    }

    @Test("a key older than the retention is forgotten in memory but still answered from the journal, also after a restart")
    func keysPastTheRetention() async throws {
        var policy = SequencerPolicy()
        policy.keyRetentionMs = 7 * Self.day
        let store = InMemoryJournalStore()
        let h = try await CoordinatorHarness(store: store, policy: policy)
        try await h.account("A", trader: true, deposit: "1")
        let first = try await Self.deposit(h, "d1", "A", "10")
        await h.at(8 * Self.day)
        #expect(await h.sequencer.core.rememberedKeys == 0)
        let again = try await Self.deposit(h, "d1", "A", "10")
        #expect(again.duplicate && again.sequence == first.sequence)
        await #expect(throws: DomainError.self) { _ = try await Self.deposit(h, "d1", "A", "11") }
        #expect(await h.sequencer.snapshotOfState.accounts["A"]?.wallet == "11")
        await h.sequencer.shutdown()

        let restarted = try await CoordinatorHarness(store: store, policy: policy, clock: ManualClock(startMs: CoordinatorHarness.t0 + 9 * Self.day))
        let core = await restarted.sequencer.core
        #expect(core.rememberedKeys == 0 && core.forgotKeys)
        #expect(try await Self.deposit(restarted, "d1", "A", "10").duplicate)
        #expect(!(try await Self.deposit(restarted, "d2", "A", "10").duplicate))
        #expect(await restarted.sequencer.snapshotOfState.accounts["A"]?.wallet == "21")
    }

    @Test("a snapshot is written by time when inputs were journaled, so recovery never replays long")
    func snapshotByTime() async throws {
        var policy = SequencerPolicy()
        policy.snapshotEveryMs = 60_000
        let store = InMemoryJournalStore()
        let h = try await CoordinatorHarness(store: store, policy: policy)
        try await h.account("A", trader: true, deposit: "1")
        await h.at(30_000)
        #expect(try await store.latestSnapshot() == nil)
        await h.at(61_000)
        await h.sequencer.settle()
        #expect(try await store.latestSnapshot()?.sequence == 2)
    }

    @Test("past the queue bound a client's input is refused RESOURCE_EXHAUSTED at once, nothing applied; the queued ones go through")
    func queueBound() async throws {
        var policy = SequencerPolicy()
        policy.maxQueuedInputs = 2
        let h = try await CoordinatorHarness(policy: policy)
        try await h.account("A", trader: true, deposit: "1")
        let gate = Gate()
        // The loop is held between two inputs, so what clients send now waits in the queue.
        let held = Task { await h.sequencer.swapModules { await gate.wait(); return .inProcess() } }
        while await !gate.isWaiting { await Task.yield() }
        let queued = (1...2).map { i in Task { try await Self.deposit(h, "q\(i)", "A", "1") } }
        while await h.sequencer.queuedInputs < 2 { await Task.yield() }
        do {
            _ = try await Self.deposit(h, "q3", "A", "1")
            Issue.record("a third input was queued past the bound")
        } catch let e as DomainError {
            #expect(e.code == .resourceExhausted, "\(e)")
        }
        await gate.open()
        for t in queued { _ = try await t.value }
        await held.value
        #expect(await h.sequencer.snapshotOfState.accounts["A"]?.wallet == "3")
    }
}

/// Holds one waiter until opened.
actor Gate {
    private var continuation: CheckedContinuation<Void, Never>?
    private var opened = false
    var isWaiting: Bool { continuation != nil }
    func wait() async {
        if opened { return }
        await withCheckedContinuation { continuation = $0 }
    }
    func open() {
        opened = true
        continuation?.resume()
        continuation = nil
    }
}
