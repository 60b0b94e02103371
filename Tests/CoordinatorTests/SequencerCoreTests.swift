import CopyTradeCore
import Sync
import Testing
@testable import Coordinator

/// The sequencer's decisions alone: no journal, no actor, no clock (docs/decisions.md, "Sequencer").
@Suite("Sequencer core")
struct SequencerCoreTests {
    static let day: Millis = 86_400_000

    static func core(_ policy: SequencerCore.Policy = .init(), last: UInt64 = 0, keys: [(key: String, at: Millis)] = [],
                     now: Millis = 10 * day) throws -> SequencerCore {
        try SequencerCore(policy: policy, lastSequence: last, keys: keys, now: now, reorderWindowMs: 500)
    }

    @Test("sequences follow the journal; a key in flight waits for its commit, then is a replay")
    func sequencesAndKeys() throws {
        var c = try Self.core(last: 41)
        #expect(c.admit(key: "a", clientKey: true, deadlinePassed: false) == .decide)
        #expect(c.decided(key: "a", outcomeBytes: 10, now: 0) == 42)
        #expect(c.decided(key: "b", outcomeBytes: 10, now: 0) == 43)
        #expect(c.admit(key: "a", clientKey: true, deadlinePassed: false) == .replayAfterCommit)
        _ = c.committed(through: 42, now: 0)
        #expect(c.admit(key: "a", clientKey: true, deadlinePassed: false) == .replay)
        #expect(c.admit(key: "b", clientKey: true, deadlinePassed: false) == .replayAfterCommit)
        #expect(c.committedSequence == 42 && c.nextSequence == 44)
    }

    @Test("an expired deadline and a failed journal refuse before anything is decided")
    func refusals() throws {
        var c = try Self.core()
        guard case .refuse(let e) = c.admit(key: "a", clientKey: true, deadlinePassed: true) else { Issue.record("admitted"); return }
        #expect(e.code == .deadlineExceeded)
        #expect(c.journalFailed("disk full") == [.stopServing(reason: "disk full")])
        #expect(c.journalFailed("again") == [])
        guard case .refuse(let u) = c.admit(key: "b", clientKey: true, deadlinePassed: false) else { Issue.record("admitted"); return }
        #expect(u.code == .unavailable && u.message.contains("disk full") && !c.isServing)
        #expect(c.committed(through: 0, now: .max / 2).isEmpty)
    }

    @Test("keys are remembered for the retention; after it, a client key is looked up in the journal, a generated one is not")
    func keyRetention() throws {
        var c = try Self.core(.init(keyRetentionMs: 7 * Self.day), keys: [("old", 2 * Self.day), ("recent", 9 * Self.day)])
        #expect(c.rememberedKeys == 1 && c.forgotKeys)
        #expect(c.admit(key: "recent", clientKey: true, deadlinePassed: false) == .replay)
        #expect(c.admit(key: "old", clientKey: true, deadlinePassed: false) == .lookUpKey)
        #expect(c.admit(key: "auto-1", clientKey: false, deadlinePassed: false) == .decide)
        _ = c.decided(key: "new", outcomeBytes: 1, now: 10 * Self.day)
        _ = c.committed(through: 1, now: 10 * Self.day)
        _ = c.timerFired(now: 16 * Self.day + 1)
        #expect(c.rememberedKeys == 1, "recent (day 9) is past 7 days at day 16; new (day 10) is not")
        _ = c.timerFired(now: 17 * Self.day + 1)
        #expect(c.rememberedKeys == 0)
        #expect(c.admit(key: "new", clientKey: true, deadlinePassed: false) == .lookUpKey)
    }

    @Test("a fresh core with no old keys decides new client keys without a journal look-up")
    func noLookUpUntilSomethingIsForgotten() throws {
        let c = try Self.core(keys: [("k", 10 * Self.day)])
        #expect(!c.forgotKeys)
        #expect(c.admit(key: "x", clientKey: true, deadlinePassed: false) == .decide)
    }

    @Test("snapshots by input count, by outcome bytes, and by time; never when nothing was journaled")
    func snapshotCadence() throws {
        var c = try Self.core(.init(snapshotEveryInputs: 3, snapshotEveryBytes: 1_000, snapshotEveryMs: 60_000), now: 0)
        #expect(c.timerFired(now: 120_000).contains(.snapshot) == false)
        for i in 1...2 { _ = c.decided(key: "k\(i)", outcomeBytes: 10, now: 0) }
        #expect(c.committed(through: 2, now: 1).isEmpty)
        _ = c.decided(key: "k3", outcomeBytes: 10, now: 0)
        #expect(c.committed(through: 3, now: 1) == [.snapshot])
        c.snapshotTaken(now: 1)
        _ = c.decided(key: "big", outcomeBytes: 1_000, now: 2)
        #expect(c.committed(through: 4, now: 2) == [.snapshot])
        c.snapshotTaken(now: 2)
        _ = c.decided(key: "one", outcomeBytes: 1, now: 3)
        #expect(c.committed(through: 5, now: 3).isEmpty)
        #expect(c.timerFired(now: 60_002).contains(.snapshot))
    }

    @Test("held signals are released per trader in occurrence order when the window expires; the timer is armed for it")
    func reorderWindow() throws {
        var c = try Self.core(now: 0)
        func signal(_ id: String, _ trader: String, occurred: Millis, received: Millis) throws -> MarginSyncSignal {
            MarginSyncSignal(id: id, trader: try AccountID(validating: trader, field: "trader"), traderPosition: "p-1",
                                 traderMarginBefore: "1000", delta: "100", occurredAt: occurred, receivedAt: received)
        }
        let held = c.hold([try signal("s-2", "T", occurred: 1_000, received: 1_000)], now: 1_000)
        #expect(held == [.armTimer(at: 1_500)])
        #expect(c.hold([try signal("s-1", "T", occurred: 800, received: 1_100)], now: 1_100) == [])
        #expect(c.timerFired(now: 1_499).filter { if case .release = $0 { true } else { false } }.isEmpty)
        let fired = c.timerFired(now: 1_500)
        #expect(fired.first == .release(trader: "T", signalIDs: ["s-1", "s-2"]), "\(fired)")
        #expect(c.heldSignals == 0)
    }
}

/// The forgotten-keys filter: no false negatives, few false positives, fixed size.
@Suite("Forgotten keys")
struct ForgottenKeysTests {
    @Test("every inserted key is reported; of 100,000 never inserted, about 1 % or fewer are false positives")
    func bloomFilter() {
        var f = ForgottenKeys()
        #expect(!f.mightContain("k-0"))
        for i in 0..<100_000 { f.insert("k-\(i)") }
        #expect((0..<100_000).allSatisfy { f.mightContain("k-\($0)") })
        let falsePositives = (0..<100_000).filter { f.mightContain("other-\($0)") }.count
        #expect(falsePositives < 1_000, "\(falsePositives)")
    }

    @Test("a new client key after keys were forgotten is decided without a journal look-up unless the filter may hold it")
    func freshKeysNeedNoLookUp() throws {
        let c = try SequencerCoreTests.core(keys: [("old-1", 0), ("old-2", 0)])
        #expect(c.forgotKeys)
        #expect(c.admit(key: "old-1", clientKey: true, deadlinePassed: false) == .lookUpKey)
        #expect(c.admit(key: "fresh", clientKey: true, deadlinePassed: false) == .decide)
    }
}
