import Journal
import Logging
import NIOCore
import PostgresNIO

/// The receiving side of cross-shard messages (issue 11), and the account directory, on the
/// tables a shard's `PostgresJournalStore` writes with its entries.
///
/// Exactly once: a message is written in the transaction of the entry that produced it
/// (`NewJournalEntry.messages`), and a receiver journals the input that applies it with
/// `NewJournalEntry.consumed` set to the message's cursor, which the store writes in that
/// input's transaction. So after any crash a receiver reads its `cursors(target:)` and asks
/// `pending` for what lies beyond: nothing is applied twice, nothing is skipped. (A receiver
/// should also key that input by the message's position, so a retried append is answered as
/// a duplicate.) The tables are the truth; `wakeUps(target:)` only says when to look.
///
/// Reads need no lease. The `PostgresClient` belongs to the caller, who keeps its `run()`
/// going.
public struct ShardMessageBox: Sendable {
    public let client: PostgresClient
    let logger: Logger

    /// `client` must be running (its `run()` belongs to the caller).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Shard `target`'s cursor per source shard: the last message it consumed from each
    /// source. A source it never consumed from is absent (read it from the start).
    public func cursors(target: Int) async throws -> [Int: ShardMessageCursor] {
        let target = try Self.shard(target, field: "target")
        return try await read("reading the message cursors of shard \(target)") { c, logger in
            let rows = try await c.query(
                "SELECT source, sequence, idx FROM shard_cursor WHERE target = \(target)", logger: logger)
            var cursors: [Int: ShardMessageCursor] = [:]
            for try await (source, sequence, index) in rows.decode((Int32, Int64, Int32).self) {
                cursors[Int(source)] = ShardMessageCursor(source: Int(source), sequence: UInt64(sequence), index: Int(index))
            }
            return cursors
        }
    }

    /// Messages from `source` to `target` after `after` (from the start when nil), in
    /// (sequence, index) order, at most `limit` (> 0). Only committed messages are visible,
    /// so a message is never read before the entry that produced it is journaled.
    ///
    /// - Throws: `JournalError` `.invalid` for a bad shard or limit, or an `after` of another
    ///   source; `.io` when PostgreSQL fails.
    public func pending(
        target: Int, source: Int, after: ShardMessageCursor?, limit: Int
    ) async throws -> [IncomingShardMessage] {
        let targetNumber = try Self.shard(target, field: "target")
        let sourceNumber = try Self.shard(source, field: "source")
        try EntryValidation.check(limit: limit)
        if let after, after.source != source {
            throw JournalError(
                code: .invalid, message: "'after' is a cursor of shard \(after.source), not of 'source' \(source)")
        }
        // Sequences start at 1, so (0, -1) is before every message.
        let sequence = after.map { Int64(clamping: $0.sequence) } ?? 0
        let index = after.map { Int32(clamping: $0.index) } ?? -1
        return try await read("reading the messages from shard \(source) to shard \(target)") { c, logger in
            let rows = try await c.query(
                """
                SELECT sequence, idx, payload FROM shard_message
                WHERE target = \(targetNumber) AND source = \(sourceNumber) AND (sequence, idx) > (\(sequence), \(index))
                ORDER BY sequence, idx LIMIT \(Int64(limit))
                """, logger: logger)
            var messages: [IncomingShardMessage] = []
            for try await (sequence, index, payload) in rows.decode((Int64, Int32, ByteBuffer).self) {
                messages.append(IncomingShardMessage(
                    source: source, sequence: UInt64(sequence), index: Int(index), payload: Array(payload.readableBytesView)))
            }
            return messages
        }
    }

    /// The messages to `target` from every source in `sources`, each source's after its cursor
    /// in `after` (from the start without one), at most `limit` per source, in (source,
    /// sequence, index) order: one statement for what would be one read per source.
    public func pending(
        target: Int, sources: [Int], after: [Int: ShardMessageCursor], limit: Int
    ) async throws -> [IncomingShardMessage] {
        let targetNumber = try Self.shard(target, field: "target")
        try EntryValidation.check(limit: limit)
        var sourceNumbers: [Int32] = [], sequences: [Int64] = [], indexes: [Int32] = []
        for source in sources {
            sourceNumbers.append(try Self.shard(source, field: "source"))
            sequences.append(after[source].map { Int64(clamping: $0.sequence) } ?? 0)
            indexes.append(after[source].map { Int32(clamping: $0.index) } ?? -1)
        }
        guard !sourceNumbers.isEmpty else { return [] }
        return try await read("reading the messages to shard \(target)") { [sourceNumbers, sequences, indexes] c, logger in
            let rows = try await c.query(
                """
                SELECT m.source, m.sequence, m.idx, m.payload
                FROM unnest(\(sourceNumbers)::integer[], \(sequences)::bigint[], \(indexes)::integer[]) AS a(source, sequence, idx)
                CROSS JOIN LATERAL (
                    SELECT source, sequence, idx, payload FROM shard_message
                    WHERE target = \(targetNumber) AND source = a.source AND (sequence, idx) > (a.sequence, a.idx)
                    ORDER BY sequence, idx LIMIT \(Int64(limit))
                ) m
                ORDER BY m.source, m.sequence, m.idx
                """, logger: logger)
            var messages: [IncomingShardMessage] = []
            for try await (source, sequence, index, payload) in rows.decode((Int32, Int64, Int32, ByteBuffer).self) {
                messages.append(IncomingShardMessage(
                    source: Int(source), sequence: UInt64(sequence), index: Int(index), payload: Array(payload.readableBytesView)))
            }
            return messages
        }
    }

    /// For each shard `0..<shardCount`, how many messages to it lie beyond its cursor for
    /// their source: the messages not consumed yet. One statement, so one snapshot: all zero
    /// means every message committed so far has been consumed (a cluster-wide barrier), and a
    /// count is a shard's lag (`copyctl shards`). Each (target, source) pair is counted from
    /// its cursor through the primary key, so the cost is the pending messages, not every
    /// message ever sent (they are kept).
    public func pendingCounts(shardCount: Int) async throws -> [Int: Int64] {
        guard shardCount >= 0, shardCount <= Int(Int32.max) else {
            throw JournalError(code: .invalid, message: "'shardCount' must be between 0 and \(Int32.max), got \(shardCount)")
        }
        guard shardCount > 0 else { return [:] }
        return try await read("counting the pending messages") { c, logger in
            let rows = try await c.query(
                """
                SELECT t.target, coalesce(sum(p.n), 0)::bigint
                FROM generate_series(0, \(Int32(shardCount - 1))) AS t(target)
                CROSS JOIN generate_series(0, \(Int32(shardCount - 1))) AS s(source)
                LEFT JOIN shard_cursor k ON k.target = t.target AND k.source = s.source
                CROSS JOIN LATERAL (
                    SELECT count(*) AS n FROM shard_message m
                    WHERE m.target = t.target AND m.source = s.source
                      AND (m.sequence, m.idx) > (coalesce(k.sequence, 0), coalesce(k.idx, -1))
                ) p
                GROUP BY t.target
                """, logger: logger)
            var counts: [Int: Int64] = [:]
            for try await (target, count) in rows.decode((Int32, Int64).self) {
                counts[Int(target)] = count
            }
            return counts
        }
    }

    /// The shard that created `account` and its role there, or nil when no shard has
    /// (`NewJournalEntry.directory`): committed with the creating entry, so an account seen
    /// here exists in its shard's journal.
    public func role(of account: String) async throws -> (shard: Int, role: String)? {
        try await read("looking up account \(account) in the directory") { c, logger in
            let rows = try await c.query(
                "SELECT shard, role FROM account_directory WHERE account = \(account)", logger: logger)
            var found: (shard: Int, role: String)?
            for try await (shard, role) in rows.decode((Int32, String).self) {
                found = (Int(shard), role)
            }
            return found
        }
    }

    /// Wakes shard `target`'s receiver: yields once when listening starts (and again each time
    /// it restarts after a lost connection), since whatever was notified before was not heard,
    /// then once per notification (a commit that wrote messages to `target`). Wake-ups
    /// coalesce: one pending wake-up stands for any number of notifications.
    ///
    /// A wake-up only says "look now"; the tables are the truth. Notifications sent while the
    /// listening connection is down are lost, so a receiver must also poll `pending` on a
    /// timer, and reads beyond its cursor after every wake-up.
    ///
    /// LISTEN holds one connection of the client's pool for as long as the stream lives. The
    /// stream ends, and the connection is UNLISTENed and handed back, when the consuming task
    /// is cancelled (or the stream is dropped). A failed connection is retried every
    /// `retryInterval`.
    public func wakeUps(target: Int, retryInterval: Duration = .seconds(1)) -> AsyncStream<Void> {
        let channel = PostgresJournalTable.channelPrefix + String(target)
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let listener = Task { [client, logger] in
            var failures = 0
            while !Task.isCancelled {
                do {
                    try await client.withConnection { c in
                        try await c.listen(on: channel) { notifications in
                            failures = 0
                            continuation.yield()
                            for try await _ in notifications { continuation.yield() }
                        }
                    }
                } catch {
                    guard !Task.isCancelled else { break }
                    failures += 1
                    // Once per outage: the timer poll covers the gap.
                    if failures == 1 {
                        logger.warning(
                            "listening for shard messages failed; retrying",
                            metadata: ["target": "\(target)", "error": "\(JournalError.wrappingPostgres(error, while: "listening").message)"])
                    }
                }
                try? await Task.sleep(for: retryInterval)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listener.cancel() }
        return stream
    }

    private static func shard(_ number: Int, field: String) throws(JournalError) -> Int32 {
        guard let shard = Int32(exactly: number), shard >= 0 else {
            throw JournalError(code: .invalid, message: "'\(field)' must be between 0 and \(Int32.max), got \(number)")
        }
        return shard
    }

    private func read<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try await mappingPostgresErrors(while: doing) {
            try await client.withConnection { [logger] c in try await body(c, logger) }
        }
    }
}
