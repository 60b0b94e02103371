/// Appends inputs with their outcomes, durably: the coordinator acknowledges an input only
/// after `append` returns.
public protocol JournalAppender: Sendable {
    /// Appends entries durably; returns once committed. An entry whose key is already
    /// journaled (or appears earlier in `entries`) is not appended again: the result says, per
    /// entry and in order, `.appended(sequence)` or `.duplicate(original entry)`. All the
    /// entries of one call commit in the same transaction, or none does.
    func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult]
    /// Appends like ``append(_:)``, in one transaction of their own, for a caller that batches
    /// itself (the coordinator's commit pipeline): a store that coalesces concurrent appenders
    /// does not queue these behind others.
    func appendBatch(_ entries: [NewJournalEntry]) async throws -> [AppendResult]
}

/// Reads the journal back: by key to answer replays, in order to recover and to show history.
public protocol JournalReader: Sendable {
    /// The entry journaled under `key`, if any.
    func entry(forKey key: String) async throws -> JournalEntry?
    /// Entries with sequence > `after`, in order, at most `limit` (> 0) of them.
    func entries(after: UInt64, limit: Int) async throws -> [JournalEntry]
    /// Keys with sequence > `after`, in order, at most `limit` (> 0): for answering replays
    /// from memory (a default implementation reads whole entries).
    func keys(after: UInt64, limit: Int) async throws -> [JournalKey]
    /// The highest journaled sequence, 0 when the journal is empty.
    var lastSequence: UInt64 { get async throws }
    /// The sequence of the entry holding event `event`: the last entry whose first event is at
    /// or before it (`NewJournalEntry.firstEvent`, indexed). Nil when no such entry is indexed
    /// (none yet, or only entries journaled before the index existed): read from the start.
    func entrySequence(holdingEvent event: UInt64) async throws -> UInt64?
}

/// Keeps snapshots of the coordinator's state so recovery replays only the journal after one.
public protocol SnapshotStore: Sendable {
    /// Saves `state` as of `sequence` (which must be journaled already); old snapshots beyond
    /// the latest few may be dropped.
    func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws
    /// The snapshot with the highest sequence, if any.
    func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])?
}

/// The coordinator's durable store: journal and snapshots behind one handle. SQLite
/// implements it for one host; `PostgresJournalStore` (target PostgresJournal) for coordinators
/// that shard, one store per shard.
///
/// Recovery: load `latestSnapshot()`, then re-apply the outcomes of `entries(after:limit:)`
/// from its sequence onwards, page by page.
public protocol JournalStore: JournalAppender, JournalReader, SnapshotStore {
    /// Waits for appends in flight, then releases the storage; every later call fails with
    /// `JournalError.Code.closed`.
    func close() async throws
}

/// A journaled key and its sequence, without the entry's bytes.
public struct JournalKey: Sendable, Hashable {
    public var sequence: UInt64
    public var key: String
    /// When the coordinator received the input: keys are remembered in memory for a retention
    /// measured from it.
    public var receivedMs: Int64
    public init(sequence: UInt64, key: String, receivedMs: Int64 = 0) {
        self.sequence = sequence
        self.key = key
        self.receivedMs = receivedMs
    }
}

extension JournalReader {
    /// A store without the index: every history read starts at the journal's beginning
    /// (correct, only slower).
    public func entrySequence(holdingEvent event: UInt64) async throws -> UInt64? { nil }

    public func keys(after: UInt64, limit: Int) async throws -> [JournalKey] {
        try await entries(after: after, limit: limit).map { JournalKey(sequence: $0.sequence, key: $0.key, receivedMs: $0.receivedMs) }
    }
}

extension JournalAppender {
    /// A store that does not coalesce appends: the same as ``append(_:)``.
    public func appendBatch(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        try await append(entries)
    }

    /// Appends one entry; see `append(_:)`.
    public func append(_ entry: NewJournalEntry) async throws -> AppendResult {
        try await append([entry])[0]
    }
}

/// Checks entries before they reach a shared transaction, so one caller's bad entry cannot
/// fail the other callers batched with it.
package enum EntryValidation {
    package static func check(_ entries: [NewJournalEntry]) throws {
        for (index, entry) in entries.enumerated() where entry.key.isEmpty {
            throw JournalError(
                code: .invalid, message: "entry \(index): field 'key' must not be empty")
        }
    }

    package static func check(limit: Int) throws {
        guard limit > 0 else {
            throw JournalError(code: .invalid, message: "'limit' must be positive, got \(limit)")
        }
    }
}
