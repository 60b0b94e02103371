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
    /// Checks every entry. A one-process store passes `carriesShardEffects: false` and so
    /// refuses cross-shard messages, a consumed cursor and directory rows: it has nowhere to
    /// write them, and dropping them silently would lose messages. A sharded store passes
    /// true, and the fields are checked to fit its columns instead.
    package static func check(_ entries: [NewJournalEntry], carriesShardEffects: Bool = false) throws {
        for (index, entry) in entries.enumerated() {
            if entry.key.isEmpty {
                throw JournalError(
                    code: .invalid, message: "entry \(index): field 'key' must not be empty")
            }
            if carriesShardEffects {
                try checkShardEffects(of: entry, at: index)
            } else {
                try refuseShardEffects(of: entry, at: index)
            }
        }
    }

    private static func refuseShardEffects(of entry: NewJournalEntry, at index: Int) throws {
        let field: String? =
            if !entry.messages.isEmpty { "messages" }
            else if entry.consumed != nil { "consumed" }
            else if !entry.directory.isEmpty { "directory" }
            else { nil }
        if let field {
            throw JournalError(
                code: .invalid,
                message: "entry \(index): '\(field)' must be empty in this store: "
                    + "only a sharded PostgreSQL store carries cross-shard messages, cursors and directory rows")
        }
    }

    /// Shard numbers and message indexes are `integer` columns, sequences `bigint`.
    private static func checkShardEffects(of entry: NewJournalEntry, at index: Int) throws {
        for (position, message) in entry.messages.enumerated() where !isShard(message.target) {
            throw JournalError(
                code: .invalid,
                message: "entry \(index): 'messages[\(position)].target' must be a shard number, got \(message.target)")
        }
        if entry.messages.count > Int(Int32.max) {
            throw JournalError(code: .invalid, message: "entry \(index): too many 'messages' (\(entry.messages.count))")
        }
        if let consumed = entry.consumed {
            if !isShard(consumed.source) {
                throw JournalError(
                    code: .invalid, message: "entry \(index): 'consumed.source' must be a shard number, got \(consumed.source)")
            }
            if consumed.sequence == 0 || consumed.sequence > UInt64(Int64.max) {
                throw JournalError(
                    code: .invalid, message: "entry \(index): 'consumed.sequence' must be a journal sequence, got \(consumed.sequence)")
            }
            if consumed.index < 0 || consumed.index > Int(Int32.max) {
                throw JournalError(
                    code: .invalid, message: "entry \(index): 'consumed.index' must be a message index, got \(consumed.index)")
            }
        }
        for (position, row) in entry.directory.enumerated() where row.account.isEmpty {
            throw JournalError(
                code: .invalid, message: "entry \(index): 'directory[\(position)].account' must not be empty")
        }
    }

    private static func isShard(_ number: Int) -> Bool { number >= 0 && number <= Int(Int32.max) }

    package static func check(limit: Int) throws {
        guard limit > 0 else {
            throw JournalError(code: .invalid, message: "'limit' must be positive, got \(limit)")
        }
    }
}
