import Journal
import Logging
import NIOCore
import PostgresNIO

/// The SQL that makes cross-shard messages exactly-once (issue 11): what an append writes
/// besides the journal rows, in the same transaction, for the entries it journals fresh. A
/// duplicate writes nothing: its original's transaction already wrote everything.
extension PostgresJournalTable {
    /// The NOTIFY channel of shard N is this prefix and N: what `ShardMessageBox.wakeUps`
    /// listens on.
    static let channelPrefix = "copytrade_shard_"

    /// Writes the fresh entries' outgoing messages, the receiving cursors they advance and
    /// their directory rows, then notifies each target that got a message. One statement per
    /// kind whatever the batch size; nothing for a kind no entry has.
    static func writeShardEffects(
        of fresh: [(sequence: UInt64, entry: NewJournalEntry)], shard: Int32,
        _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        try await insertMessages(of: fresh, shard: shard, c, logger)
        try await advanceCursors(of: fresh, shard: shard, c, logger)
        try await insertDirectory(of: fresh, shard: shard, c, logger)
    }

    /// Each message at (this shard, the entry's sequence, its index in the entry's messages).
    /// No `ON CONFLICT`: the sequence is new in this transaction, so a conflict would be a bug.
    /// NOTIFY is queued once per distinct target; PostgreSQL delivers it at commit, and a
    /// rollback drops it with the rows.
    private static func insertMessages(
        of fresh: [(sequence: UInt64, entry: NewJournalEntry)], shard: Int32,
        _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        var sequences: [Int64] = [], indexes: [Int32] = [], targets: [Int32] = [], payloads: [ByteBuffer] = []
        for (sequence, entry) in fresh {
            for (index, message) in entry.messages.enumerated() {
                // EntryValidation checked the ranges.
                sequences.append(Int64(sequence))
                indexes.append(Int32(index))
                targets.append(Int32(message.target))
                payloads.append(ByteBuffer(bytes: message.payload))
            }
        }
        guard !sequences.isEmpty else { return }
        try await c.query(
            """
            INSERT INTO shard_message (source, sequence, idx, target, payload)
            SELECT \(shard), q, i, t, p
            FROM unnest(\(sequences)::bigint[], \(indexes)::integer[], \(targets)::integer[], \(payloads)::bytea[])
                AS n(q, i, t, p)
            """, logger: logger)
        let distinctTargets = Array(Set(targets)).sorted()
        let notified = try await c.query(
            "SELECT pg_notify(\(channelPrefix)::text || t, '') FROM unnest(\(distinctTargets)::integer[]) AS n(t)",
            logger: logger)
        for try await _ in notified {}
    }

    /// This shard's cursor per source, to the greatest position consumed: within the batch
    /// (one upsert may not touch a row twice, so the batch is reduced first) and against the
    /// stored one (a smaller position never moves it back).
    private static func advanceCursors(
        of fresh: [(sequence: UInt64, entry: NewJournalEntry)], shard: Int32,
        _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        var greatest: [Int: ShardMessageCursor] = [:]
        for consumed in fresh.compactMap(\.entry.consumed) {
            if let known = greatest[consumed.source], known >= consumed { continue }
            greatest[consumed.source] = consumed
        }
        guard !greatest.isEmpty else { return }
        let cursors = greatest.values.sorted { $0.source < $1.source }
        let sources = cursors.map { Int32($0.source) }
        let sequences = cursors.map { Int64($0.sequence) }
        let indexes = cursors.map { Int32($0.index) }
        try await c.query(
            """
            INSERT INTO shard_cursor (target, source, sequence, idx)
            SELECT \(shard), s, q, i FROM unnest(\(sources)::integer[], \(sequences)::bigint[], \(indexes)::integer[])
                AS n(s, q, i)
            ON CONFLICT (target, source) DO UPDATE SET sequence = EXCLUDED.sequence, idx = EXCLUDED.idx
            WHERE (EXCLUDED.sequence, EXCLUDED.idx) > (shard_cursor.sequence, shard_cursor.idx)
            """, logger: logger)
    }

    /// Directory rows for the accounts created here. The first record of an account stands
    /// (`DO NOTHING`): an account is created once, by the shard that owns it.
    private static func insertDirectory(
        of fresh: [(sequence: UInt64, entry: NewJournalEntry)], shard: Int32,
        _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        var seen: Set<String> = []
        var accounts: [String] = [], roles: [String] = []
        for row in fresh.flatMap(\.entry.directory) where seen.insert(row.account).inserted {
            accounts.append(row.account)
            roles.append(row.role)
        }
        guard !accounts.isEmpty else { return }
        try await c.query(
            """
            INSERT INTO account_directory (account, shard, role)
            SELECT a, \(shard), r FROM unnest(\(accounts)::text[], \(roles)::text[]) AS n(a, r)
            ON CONFLICT (account) DO NOTHING
            """, logger: logger)
    }
}
