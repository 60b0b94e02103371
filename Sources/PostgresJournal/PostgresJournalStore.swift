import Foundation
import Journal
import Logging
import PostgresNIO
import Synchronization

/// One shard's journal and snapshots on PostgreSQL (docs/journal.md, "PostgreSQL"). Every
/// shard's store shares the same tables, keyed by shard number.
///
/// The store is fenced: it is opened with the lease epoch its holder was granted
/// (`ShardLease.epoch`), and every append and snapshot commits only while that epoch is still
/// the shard's current one; once another holder has taken the shard over, they throw
/// `JournalError` `.fenced` and write nothing. Reads need no lease.
///
/// Unlike the one-process stores it carries an entry's cross-shard effects (`messages`,
/// `consumed`, `directory`), written in the entry's transaction; `ShardMessageBox` reads them.
///
/// Appends go through `GroupCommit`, as SQLite's do: appends arriving while a transaction is in
/// flight share the next one. The `PostgresClient` belongs to the caller, who must keep its
/// `run()` going (it is a `Service`) for as long as the store is used; `close()` leaves it
/// running for the other shards' stores.
public final class PostgresJournalStore: JournalStore {
    public let shard: Int
    /// The lease epoch this store writes under.
    public let epoch: Int64
    private let shardNumber: Int32
    private let client: PostgresClient
    private let groupCommit: GroupCommit
    private let logger: Logger
    private let isClosed = Mutex(false)

    /// Opens shard `shard`'s journal, creating or migrating the schema first.
    ///
    /// - Throws: `JournalError` `.invalid` for a negative shard or batch size, `.corrupt` for a
    ///   database from a newer version or with another application's `journal` table, `.io`
    ///   when PostgreSQL cannot be reached.
    public init(
        client: PostgresClient, shard: Int, epoch: Int64, maxBatchEntries: Int = 4096,
        logger: Logger = Logger(label: "copytrade.journal.postgres")
    ) async throws {
        guard let shardNumber = Int32(exactly: shard), shardNumber >= 0 else {
            throw JournalError(code: .invalid, message: "'shard' must be between 0 and \(Int32.max), got \(shard)")
        }
        guard maxBatchEntries > 0 else {
            throw JournalError(code: .invalid, message: "'maxBatchEntries' must be positive")
        }
        try await mappingPostgresErrors(while: "opening the journal of shard \(shard)") {
            try await client.withConnection { c in try await PostgresJournalSchema.migrate(on: c, logger: logger) }
        }
        self.shard = shard
        self.epoch = epoch
        self.shardNumber = shardNumber
        self.client = client
        self.logger = logger
        // This store writes the entries' cross-shard messages, cursors and directory rows.
        self.groupCommit = GroupCommit(maxBatchEntries: maxBatchEntries, carriesShardEffects: true, logger: logger) { groups in
            try await mappingPostgresErrors(while: "appending to the journal of shard \(shard)") {
                try await client.withConnection { c in
                    try await c.inTransaction(logger: logger) { c in
                        try await PostgresJournalTable.append(groups, shard: shardNumber, epoch: epoch, c, logger)
                    }
                }
            }
        }
        logger.info("journal opened", metadata: ["shard": "\(shard)", "epoch": "\(epoch)"])
    }

    public func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        try checkOpen()
        return try await groupCommit.append(entries)
    }

    /// One transaction for a caller that batches itself (the commit pipeline): not queued
    /// behind other appenders, so the coordinator's path has one batching point.
    public func appendBatch(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        try checkOpen()
        return try await groupCommit.appendNow(entries)
    }

    public func entry(forKey key: String) async throws -> JournalEntry? {
        try await read("reading entry by key") { [shardNumber] c, logger in
            try await PostgresJournalTable.entries(
                "SELECT \(unescaped: PostgresJournalTable.columns) FROM journal WHERE shard = \(shardNumber) AND key = \(key)",
                c, logger
            ).first
        }
    }

    public func entries(after: UInt64, limit: Int) async throws -> [JournalEntry] {
        try EntryValidation.check(limit: limit)
        return try await read("reading entries") { [shardNumber] c, logger in
            try await PostgresJournalTable.entries(
                """
                SELECT \(unescaped: PostgresJournalTable.columns) FROM journal
                WHERE shard = \(shardNumber) AND sequence > \(Int64(clamping: after)) ORDER BY sequence LIMIT \(Int64(limit))
                """, c, logger)
        }
    }

    public func keys(after: UInt64, limit: Int) async throws -> [JournalKey] {
        try EntryValidation.check(limit: limit)
        return try await read("reading keys") { [shardNumber] c, logger in
            try await PostgresJournalTable.keys(shard: shardNumber, after: after, limit: limit, c, logger)
        }
    }

    public func entrySequence(holdingEvent event: UInt64) async throws -> UInt64? {
        try await read("finding the entry of an event") { [shardNumber] c, logger in
            try await c.scalar(
                """
                SELECT sequence FROM journal WHERE shard = \(shardNumber) AND first_event <= \(Int64(clamping: event))
                ORDER BY first_event DESC LIMIT 1
                """, as: Int64.self, logger: logger
            ).map { UInt64($0) }
        }
    }

    public var lastSequence: UInt64 {
        get async throws {
            try await read("reading the last sequence") { [shardNumber] c, logger in
                UInt64(try await c.scalar(
                    "SELECT coalesce(max(sequence), 0) FROM journal WHERE shard = \(shardNumber)",
                    as: Int64.self, logger: logger) ?? 0)
            }
        }
    }

    public func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws {
        try checkOpen()
        let createdMs = Int64(Date().timeIntervalSince1970 * 1000)
        try await mappingPostgresErrors(while: "saving a snapshot of shard \(shard)") {
            try await client.withConnection { [shardNumber, epoch, logger] c in
                try await c.inTransaction(logger: logger) { c in
                    try await PostgresJournalTable.saveSnapshot(
                        shard: shardNumber, epoch: epoch, sequence: sequence, state: state, createdMs: createdMs, c, logger)
                }
            }
        }
    }

    public func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])? {
        try await read("reading the latest snapshot") { [shardNumber] c, logger in
            let rows = try await c.query(
                "SELECT sequence, state FROM snapshot WHERE shard = \(shardNumber) ORDER BY sequence DESC LIMIT 1",
                logger: logger)
            var latest: (sequence: UInt64, state: [UInt8])?
            for try await (sequence, state) in rows.decode((Int64, ByteBuffer).self) {
                latest = (UInt64(sequence), Array(state.readableBytesView))
            }
            return latest
        }
    }

    /// Transactions committed by appends since this store was opened.
    public var transactionCount: UInt64 {
        get async { await groupCommit.transactionCount }
    }

    /// Waits for the appends in flight, then refuses every later call. The client stays
    /// running: it belongs to the caller.
    public func close() async throws {
        let wasClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        await groupCommit.close()
        logger.info("journal closed", metadata: ["shard": "\(shard)"])
    }

    private func checkOpen() throws(JournalError) {
        if isClosed.withLock({ $0 }) { throw JournalError.closedStore }
    }

    private func read<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try checkOpen()
        return try await mappingPostgresErrors(while: "\(doing) of shard \(shard)") {
            try await client.withConnection { [logger] c in try await body(c, logger) }
        }
    }
}
