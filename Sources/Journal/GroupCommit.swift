import Logging

/// Coalesces concurrent appends into shared transactions, whatever the storage: SQLite gives
/// it a write on its pool, PostgreSQL a transaction on its client.
///
/// A commit costs one fsync whatever it holds, so while one transaction is in flight the
/// appends that arrive queue up, and the next transaction takes them all. Each caller is
/// resumed only after the transaction holding its entries has committed. A caller's own
/// entries always share one transaction; batches are capped so one transaction stays short.
package actor GroupCommit {
    /// Commits the groups in one transaction: per group, per entry, what became of it; or
    /// throws, having committed none of them.
    package typealias Commit = @Sendable ([[NewJournalEntry]]) async throws -> [[AppendResult]]

    private struct Request {
        var entries: [NewJournalEntry]
        var continuation: CheckedContinuation<[AppendResult], any Error>
    }

    private let commit: Commit
    private let maxBatchEntries: Int
    /// Whether the store writes cross-shard messages, cursors and directory rows (PostgreSQL);
    /// when not, entries carrying them are refused (`EntryValidation`).
    private let carriesShardEffects: Bool
    private let logger: Logger
    private var queue: [Request] = []
    private var isFlushing = false
    private var isClosed = false
    private var drainWaiters: [CheckedContinuation<Void, Never>] = []
    /// Transactions committed so far: with `appendCount`, shows how well appends coalesce.
    package private(set) var transactionCount: UInt64 = 0

    package init(
        maxBatchEntries: Int, carriesShardEffects: Bool = false, logger: Logger, commit: @escaping Commit
    ) {
        self.commit = commit
        self.maxBatchEntries = maxBatchEntries
        self.carriesShardEffects = carriesShardEffects
        self.logger = logger
    }

    /// Queues `entries` for the next transaction and returns once it has committed.
    ///
    /// Cancelling the caller does not withdraw the entries: once queued they are committed,
    /// and the caller can learn the outcome through `entry(forKey:)`.
    package func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        guard !isClosed else { throw JournalError.closedStore }
        // Checked before sharing a transaction: one caller's bad entry cannot fail the others.
        try EntryValidation.check(entries, carriesShardEffects: carriesShardEffects)
        if entries.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Request(entries: entries, continuation: continuation))
            if !isFlushing {
                isFlushing = true
                Task { await flush() }
            }
        }
    }

    /// Commits `entries` in a transaction of their own, now, without queueing them with other
    /// callers: for a caller that already batches (the coordinator's commit pipeline), so the
    /// journal has one batching point on that path, not two.
    package func appendNow(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        guard !isClosed else { throw JournalError.closedStore }
        try EntryValidation.check(entries, carriesShardEffects: carriesShardEffects)
        if entries.isEmpty { return [] }
        do {
            let results = try await commit([entries])
            transactionCount += 1
            return results[0]
        } catch {
            let failure = JournalError.wrapping(error, while: "appending to the journal")
            logger.error("journal transaction failed", metadata: ["entries": "\(entries.count)", "error": "\(failure)"])
            throw failure
        }
    }

    /// Refuses new appends and waits until the queued ones are committed.
    package func close() async {
        isClosed = true
        guard isFlushing else { return }
        await withCheckedContinuation { drainWaiters.append($0) }
    }

    /// Commits queued requests, one transaction per round, until none is left. Requests
    /// arriving during a round's `await` join the next round: that is the group commit.
    private func flush() async {
        while !queue.isEmpty {
            let batch = takeBatch()
            let groups = batch.map(\.entries)
            do {
                let results = try await commit(groups)
                transactionCount += 1
                for (request, result) in zip(batch, results) {
                    request.continuation.resume(returning: result)
                }
            } catch {
                let failure = JournalError.wrapping(error, while: "appending to the journal")
                logger.error(
                    "journal transaction failed",
                    metadata: ["entries": "\(groups.joined().count)", "error": "\(failure)"])
                for request in batch {
                    request.continuation.resume(throwing: failure)
                }
            }
        }
        isFlushing = false
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters.removeAll()
    }

    /// Takes whole requests from the front of the queue up to `maxBatchEntries` entries (at
    /// least one request, however large, so none starves).
    private func takeBatch() -> [Request] {
        var count = 0
        var taken = 0
        for request in queue {
            if taken > 0 && count + request.entries.count > maxBatchEntries { break }
            count += request.entries.count
            taken += 1
        }
        let batch = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        return batch
    }
}
