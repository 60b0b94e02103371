import Journal
import Logging
import NIOCore
import PostgresNIO

/// The SQL of one shard's journal and snapshots, one function per operation, each run on a
/// connection (inside a transaction the caller owns where it writes).
enum PostgresJournalTable {
    typealias Row = (Int64, String, String, Int64, ByteBuffer, ByteBuffer)

    /// Checks, under a share lock on the shard's lease row, that `epoch` is still the shard's
    /// current one, and returns the shard's last sequence. The lock makes a takeover (which
    /// updates the row) wait for this transaction, and this transaction see a takeover that
    /// committed first: an append either commits before the new epoch exists or is refused.
    static func fence(shard: Int32, epoch: Int64, _ c: PostgresConnection, _ logger: Logger) async throws -> UInt64 {
        let rows = try await c.query(
            """
            SELECT l.epoch, (SELECT coalesce(max(j.sequence), 0) FROM journal j WHERE j.shard = \(shard))
            FROM shard_lease l WHERE l.shard = \(shard) FOR SHARE OF l
            """, logger: logger)
        var found: (Int64, Int64)?
        for try await row in rows.decode((Int64, Int64).self) { found = row }
        guard let (current, last) = found else {
            throw JournalError(code: .fenced, message: "shard \(shard) has no lease: nothing may be written to it")
        }
        guard current == epoch else {
            throw JournalError(
                code: .fenced,
                message: "shard \(shard)'s lease epoch is \(current), this store's is \(epoch): "
                    + "another holder took the shard over, so this one may not write")
        }
        return UInt64(last)
    }

    /// Appends each group's entries in order after the shard's last sequence, gap-free (nothing
    /// is reserved outside the transaction, so a rollback leaves no hole). Duplicates, of the
    /// journal or of an earlier entry in `groups`, are answered with the original entry. One
    /// look-up for the keys and one insert for the new entries, whatever the batch size; the
    /// new entries' messages, cursors and directory rows follow in the same transaction.
    static func append(
        _ groups: [[NewJournalEntry]], shard: Int32, epoch: Int64, _ c: PostgresConnection, _ logger: Logger
    ) async throws -> [[AppendResult]] {
        let last = try await fence(shard: shard, epoch: epoch, c, logger)
        let keys = Array(Set(groups.joined().map(\.key)))
        var known: [String: JournalEntry] = [:]
        for entry in try await entries(
            "SELECT \(unescaped: columns) FROM journal WHERE shard = \(shard) AND key = ANY(\(keys))", c, logger) {
            known[entry.key] = entry
        }
        var next = last + 1
        var fresh: [(sequence: UInt64, entry: NewJournalEntry)] = []
        let results = groups.map { group in
            group.map { entry -> AppendResult in
                if let original = known[entry.key] { return .duplicate(original) }
                known[entry.key] = entry.journaled(as: next)
                fresh.append((next, entry))
                defer { next += 1 }
                return .appended(next)
            }
        }
        guard !fresh.isEmpty else { return results }
        // first_event travels as -1 for "none" (arrays of optionals do not bind); events are
        // numbered from 1, so -1 is never a real one.
        let sequences = fresh.map { Int64($0.sequence) }
        let entryKeys = fresh.map(\.entry.key)
        let kinds = fresh.map(\.entry.kind)
        let received = fresh.map(\.entry.receivedMs)
        let inputs = fresh.map { ByteBuffer(bytes: $0.entry.input) }
        let outcomes = fresh.map { ByteBuffer(bytes: $0.entry.outcome) }
        let firstEvents = fresh.map { $0.entry.firstEvent.map { Int64(clamping: $0) } ?? -1 }
        try await c.query(
            """
            INSERT INTO journal (shard, sequence, key, kind, received_ms, input, outcome, first_event)
            SELECT \(shard), s, k, t, r, i, o, nullif(f, -1)
            FROM unnest(\(sequences)::bigint[], \(entryKeys)::text[], \(kinds)::text[], \(received)::bigint[],
                        \(inputs)::bytea[], \(outcomes)::bytea[], \(firstEvents)::bigint[]) AS n(s, k, t, r, i, o, f)
            """, logger: logger)
        try await writeShardEffects(of: fresh, shard: shard, c, logger)
        return results
    }

    static let columns = "sequence, key, kind, received_ms, input, outcome"

    static func entries(_ query: PostgresQuery, _ c: PostgresConnection, _ logger: Logger) async throws -> [JournalEntry] {
        var entries: [JournalEntry] = []
        for try await row in try await c.query(query, logger: logger).decode(Row.self) {
            entries.append(decode(row))
        }
        return entries
    }

    static func decode(_ row: Row) -> JournalEntry {
        JournalEntry(
            sequence: UInt64(row.0), key: row.1, kind: row.2, receivedMs: row.3,
            input: Array(row.4.readableBytesView), outcome: Array(row.5.readableBytesView))
    }

    static func keys(shard: Int32, after: UInt64, limit: Int, _ c: PostgresConnection, _ logger: Logger) async throws -> [JournalKey] {
        let rows = try await c.query(
            """
            SELECT sequence, key, received_ms FROM journal WHERE shard = \(shard) AND sequence > \(Int64(clamping: after))
            ORDER BY sequence LIMIT \(Int64(limit))
            """, logger: logger)
        var keys: [JournalKey] = []
        for try await (sequence, key, received) in rows.decode((Int64, String, Int64).self) {
            keys.append(JournalKey(sequence: UInt64(sequence), key: key, receivedMs: received))
        }
        return keys
    }

    /// Saves a snapshot (replacing one at the same sequence) and drops all but the latest few,
    /// fenced like an append: a former holder's state may hold effects it never journaled.
    static func saveSnapshot(
        shard: Int32, epoch: Int64, sequence: UInt64, state: [UInt8], createdMs: Int64,
        _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        let last = try await fence(shard: shard, epoch: epoch, c, logger)
        guard sequence <= last else {
            throw JournalError(
                code: .invalid,
                message: "snapshot 'sequence' \(sequence) is past the last journaled sequence \(last)")
        }
        try await c.query(
            """
            INSERT INTO snapshot (shard, sequence, state, created_ms)
            VALUES (\(shard), \(Int64(sequence)), \(ByteBuffer(bytes: state)), \(createdMs))
            ON CONFLICT (shard, sequence) DO UPDATE SET state = EXCLUDED.state, created_ms = EXCLUDED.created_ms
            """, logger: logger)
        try await c.query(
            """
            DELETE FROM snapshot WHERE shard = \(shard) AND sequence NOT IN
                (SELECT sequence FROM snapshot WHERE shard = \(shard) ORDER BY sequence DESC LIMIT \(Int64(JournalSchema.snapshotsKept)))
            """, logger: logger)
    }
}
