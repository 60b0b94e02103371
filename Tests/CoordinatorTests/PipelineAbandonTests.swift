import CopyTradeCore
import Foundation
import Journal
import Synchronization
import Testing
@testable import Coordinator

/// A shard stepped down from (docs/sharding.md, "Leases, failover, outages"): its waiting
/// callers are answered at once, not when a store that waits for PostgreSQL gives up; a
/// commit landing afterwards answers nobody twice and leaves the pipeline able to flush.
@Suite("Commit pipeline abandoned")
struct PipelineAbandonTests {
    @Test("abandon answers the transaction in flight and the queued callers once, and a late commit hangs nothing")
    func abandonAnswersOnce() async throws {
        let store = GatedStore()
        let pipeline = CommitPipeline(store: store, committed: 0)
        let answers = Mutex<[Int: [Bool]]>([:])
        func pending(_ n: Int) -> CommitPipeline.Pending {
            .init(entry: NewJournalEntry(key: "k\(n)", kind: "deposit", receivedMs: 1, input: [], outcome: []),
                  expectedSequence: UInt64(n)) { r in
                answers.withLock { a in
                    if case .success = r { a[n, default: []].append(true) } else { a[n, default: []].append(false) }
                }
            }
        }
        await pipeline.enqueue(pending(1))        // in flight: the store holds it at the gate
        try await store.waitUntilEntered()
        await pipeline.enqueue(pending(2))        // queued behind it
        await pipeline.abandon(DomainError(.unavailable, field: "", "stepped down"))
        #expect(answers.withLock { $0 } == [1: [false], 2: [false]])
        store.open()                              // the transaction commits after all
        await pipeline.flush()                    // returns: nothing waits for itself
        #expect(answers.withLock { $0 } == [1: [false], 2: [false]], "a caller was answered twice")
        await pipeline.enqueue(pending(3))        // nothing more is taken
        #expect(answers.withLock { $0[3] } == [false])
    }
}

/// The in-memory journal behind a gate: appends wait until `open()`.
private final class GatedStore: JournalStore {
    let inner = InMemoryJournalStore()
    private let gate = Mutex<(open: Bool, entered: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, false, []))

    func open() {
        let waiters = gate.withLock { g in
            g.open = true
            defer { g.waiters = [] }
            return g.waiters
        }
        for w in waiters { w.resume() }
    }

    func waitUntilEntered() async throws {
        for _ in 0..<500 where !gate.withLock({ $0.entered }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(gate.withLock { $0.entered })
    }

    func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = gate.withLock { g -> Bool in
                g.entered = true
                if g.open { return true }
                g.waiters.append(c)
                return false
            }
            if go { c.resume() }
        }
        return try await inner.append(entries)
    }
    func entry(forKey key: String) async throws -> JournalEntry? { try await inner.entry(forKey: key) }
    func entries(after: UInt64, limit: Int) async throws -> [JournalEntry] { try await inner.entries(after: after, limit: limit) }
    var lastSequence: UInt64 { get async throws { try await inner.lastSequence } }
    func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws { try await inner.saveSnapshot(sequence: sequence, state: state) }
    func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])? { try await inner.latestSnapshot() }
    func close() async throws { await inner.close() }
}
