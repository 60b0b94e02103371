/// A journal kept in memory, for fast tests of the components around the store.
///
/// NOT DURABLE: everything is lost when the process ends, so it must never back a real
/// coordinator. It follows the same contract as `SQLiteJournalStore` (gap-free sequences,
/// duplicates answered with the original, validation, `.closed` after `close()`), with one
/// "transaction" per `append` call.
public actor InMemoryJournalStore: JournalStore {
    private var journal: [JournalEntry] = []
    private var sequenceByKey: [String: UInt64] = [:]
    /// (first event, entry sequence) of the entries that have events, in order: the index
    /// `SQLiteJournalStore` keeps in its `first_event` column.
    private var firstEvents: [(event: UInt64, sequence: UInt64)] = []
    private var snapshots: [(sequence: UInt64, state: [UInt8])] = []
    private var isClosed = false
    /// Calls to `append` that appended or checked entries (one per call, as there is no batching).
    public private(set) var transactionCount: UInt64 = 0

    public init() {}

    public func append(_ entries: [NewJournalEntry]) throws -> [AppendResult] {
        try checkOpen()
        try EntryValidation.check(entries)
        if entries.isEmpty { return [] }
        transactionCount += 1
        return entries.map { entry in
            if let existing = sequenceByKey[entry.key] {
                return .duplicate(journal[Int(existing - 1)])
            }
            let sequence = UInt64(journal.count + 1)
            journal.append(entry.journaled(as: sequence))
            if let first = entry.firstEvent { firstEvents.append((first, sequence)) }
            sequenceByKey[entry.key] = sequence
            return .appended(sequence)
        }
    }

    public func entry(forKey key: String) throws -> JournalEntry? {
        try checkOpen()
        return sequenceByKey[key].map { journal[Int($0 - 1)] }
    }

    public func entries(after: UInt64, limit: Int) throws -> [JournalEntry] {
        try checkOpen()
        try EntryValidation.check(limit: limit)
        let start = Int(min(after, UInt64(journal.count)))
        return Array(journal[start...].prefix(limit))
    }

    public func entrySequence(holdingEvent event: UInt64) async throws -> UInt64? {
        try checkOpen()
        // Binary search for the last entry whose first event is at or before `event`.
        var low = 0, high = firstEvents.count
        while low < high {
            let mid = (low + high) / 2
            if firstEvents[mid].event <= event { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : firstEvents[low - 1].sequence
    }

    public var lastSequence: UInt64 {
        get throws {
            try checkOpen()
            return UInt64(journal.count)
        }
    }

    public func saveSnapshot(sequence: UInt64, state: [UInt8]) throws {
        try checkOpen()
        guard sequence <= UInt64(journal.count) else {
            throw JournalError(
                code: .invalid,
                message: "snapshot 'sequence' \(sequence) is past the last journaled sequence \(journal.count)")
        }
        snapshots.removeAll { $0.sequence == sequence }
        snapshots.append((sequence, state))
        snapshots.sort { $0.sequence < $1.sequence }
        snapshots = Array(snapshots.suffix(JournalSchema.snapshotsKept))
    }

    public func latestSnapshot() throws -> (sequence: UInt64, state: [UInt8])? {
        try checkOpen()
        return snapshots.last
    }

    public func close() {
        isClosed = true
    }

    private func checkOpen() throws(JournalError) {
        if isClosed { throw JournalError.closedStore }
    }
}
