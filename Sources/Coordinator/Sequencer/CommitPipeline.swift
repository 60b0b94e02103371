import Foundation
import Journal

/// Journals decided inputs in order, many per transaction (group commit), and resumes each
/// input's caller only once the transaction holding it has committed. One pipeline per
/// sequencer: it is the journal's only appender, so commit order is decision order.
actor CommitPipeline {
    struct Pending {
        let entry: NewJournalEntry
        let expectedSequence: UInt64
        let done: @Sendable (Result<Void, any Error>) -> Void
    }

    private let store: any JournalStore
    private var buffer: [Pending] = []
    /// The drain in progress, owned here: ``flush()`` awaits it, nothing outlives it.
    private var draining: Task<Void, Never>?
    private var failure: (any Error)?
    /// The batch whose transaction is in flight: answered by ``abandon(_:)`` if the store
    /// cannot say how it ended (PostgreSQL gone), so no caller waits on it.
    private var inFlight: [Pending] = []
    private var abandoned = false
    private(set) var committedSequence: UInt64
    private(set) var transactions: UInt64 = 0
    /// Called after each commit with the highest committed sequence.
    private var onCommit: (@Sendable (UInt64) async -> Void)?

    private let metrics: CoordinatorMetrics

    init(store: any JournalStore, committed: UInt64, metrics: CoordinatorMetrics = CoordinatorMetrics()) {
        self.store = store
        self.committedSequence = committed
        self.metrics = metrics
    }

    func setOnCommit(_ f: @escaping @Sendable (UInt64) async -> Void) { onCommit = f }

    /// Called once when the journal fails, with the error that stopped it.
    private var onFailure: (@Sendable (any Error) async -> Void)?
    func setOnFailure(_ f: @escaping @Sendable (any Error) async -> Void) { onFailure = f }

    /// Queues an entry; `done` runs after it is durable (or with the error that stopped the journal).
    func enqueue(_ p: Pending) {
        if let failure { p.done(.failure(failure)); return }
        buffer.append(p)
        if draining == nil {
            draining = Task { await self.drain() }
        }
    }

    private func drain() async {
        while !buffer.isEmpty {
            let batch = buffer
            buffer.removeAll(keepingCapacity: true)
            inFlight = batch
            defer { inFlight = [] }
            do {
                let started = ContinuousClock.now
                // The pipeline is the one batcher on this path: the store commits the batch as it is.
                let results = try await store.appendBatch(batch.map(\.entry))
                metrics.committed(batchSize: batch.count, took: started.duration(to: .now))
                transactions += 1
                for (p, r) in zip(batch, results) {
                    guard case .appended(let seq) = r, seq == p.expectedSequence else {
                        throw JournalError(code: .corrupt, message: "journal assigned \(r) where the sequencer expected \(p.expectedSequence)")
                    }
                }
                committedSequence = batch.last!.expectedSequence
                // Abandoned callers were told "not acknowledged, retry with the key": a commit
                // that lands after all the same is found by that retry, applied once.
                guard !abandoned else { break }
                for p in batch { p.done(.success(())) }
                await onCommit?(committedSequence)
            } catch {
                // State in memory is now ahead of the journal: stop taking inputs; a restart
                // recovers exactly what was committed.
                guard !abandoned else { break }
                failure = error
                for p in batch + buffer { p.done(.failure(error)) }
                buffer.removeAll()
                await onFailure?(error)
            }
        }
        draining = nil
    }

    /// Waits until everything queued so far is committed (or failed): awaits the drain, no
    /// polling. Must not be called from the drain's own callbacks (it would wait for itself).
    func flush() async {
        while let d = draining { await d.value }
    }

    var failed: (any Error)? { failure }

    /// Answers every caller still waiting — the transaction in flight and those queued — with
    /// `error` now, and takes nothing more: for a shard whose lease is gone, whose store may not
    /// answer until PostgreSQL is back. Their inputs were not acknowledged; a retry with the
    /// same key finds out, exactly once, whether the one in flight committed.
    func abandon(_ error: any Error) {
        guard !abandoned else { return }
        abandoned = true
        if failure == nil { failure = error }
        for p in inFlight + buffer { p.done(.failure(error)) }
        inFlight = []
        buffer.removeAll()
    }
}
