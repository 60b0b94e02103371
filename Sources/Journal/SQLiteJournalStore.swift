import Foundation
import GRDB
import Logging
import Synchronization

/// The embedded journal store: one SQLite file in WAL mode, written by group commit.
///
/// Appends go through `GroupCommit` (one writer connection); reads use GRDB's reader
/// connections and so never wait for a commit's fsync.
public final class SQLiteJournalStore: JournalStore {
    /// How hard a commit tries to reach the disk before `append` returns.
    public enum Durability: String, Sendable, CaseIterable {
        /// `synchronous=FULL`: the WAL is fsynced at every commit, so an acknowledged entry
        /// survives power loss, not only a crash of the process.
        case full
        /// `synchronous=NORMAL`: the WAL is fsynced only at checkpoints. An acknowledged entry
        /// survives a crash of the process, but the last ones may be lost on power loss.
        case normal
    }

    /// The file this store writes.
    public let path: String
    public let durability: Durability
    private let database: DatabasePool
    private let groupCommit: GroupCommit
    private let logger: Logger
    private let isClosed = Mutex(false)

    /// Opens the journal at `path`, creating the file and its directory if needed.
    ///
    /// - Throws: `JournalError` `.corrupt` when the file is not a journal (garbage bytes,
    ///   another application's database, a newer schema), `.io` when it cannot be opened.
    public init(
        path: String,
        durability: Durability = .full,
        maxBatchEntries: Int = 4096,
        logger: Logger = Logger(label: "copytrade.journal")
    ) throws {
        guard !path.isEmpty else {
            throw JournalError(code: .invalid, message: "'path' must not be empty")
        }
        guard maxBatchEntries > 0 else {
            throw JournalError(code: .invalid, message: "'maxBatchEntries' must be positive")
        }
        // Owner-only whatever the umask: the journal and its snapshots hold every balance.
        try OwnerOnlyFiles.createDirectoryIfMissing(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        try OwnerOnlyFiles.prepareJournalFile(path)
        var configuration = Configuration()
        configuration.label = "journal"
        let database = try mappingErrors(while: "opening journal \(path)") {
            let database = try DatabasePool(path: path, configuration: configuration)
            try database.read(JournalSchema.checkIsJournal)
            try JournalSchema.migrator.migrate(database)
            // Only the writer connection commits, so only its setting matters. It must be set
            // here: DatabasePool sets synchronous=NORMAL when it enables WAL, after
            // `Configuration.prepareDatabase` has run.
            try database.writeWithoutTransaction { db in
                try durability.apply(to: db)
            }
            try OwnerOnlyFiles.tightenCompanions(of: path)
            return database
        }
        self.path = path
        self.durability = durability
        self.database = database
        self.logger = logger
        self.groupCommit = GroupCommit(maxBatchEntries: maxBatchEntries, logger: logger) { groups in
            try await database.write { db in try JournalTable.append(groups, db) }
        }
        logger.info(
            "journal opened", metadata: ["path": "\(path)", "durability": "\(durability.rawValue)"])
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
        try await read("reading entry by key") { db in try JournalTable.entry(forKey: key, db) }
    }

    public func entries(after: UInt64, limit: Int) async throws -> [JournalEntry] {
        try EntryValidation.check(limit: limit)
        return try await read("reading entries") { db in
            try JournalTable.entries(after: after, limit: limit, db)
        }
    }

    public func keys(after: UInt64, limit: Int) async throws -> [JournalKey] {
        try EntryValidation.check(limit: limit)
        return try await read("reading keys") { db in try JournalTable.keys(after: after, limit: limit, db) }
    }

    public func entrySequence(holdingEvent event: UInt64) async throws -> UInt64? {
        try await read("finding the entry of an event") { db in
            try JournalTable.entrySequence(holdingEvent: event, db)
        }
    }

    public var lastSequence: UInt64 {
        get async throws { try await read("reading the last sequence", JournalTable.lastSequence) }
    }

    public func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws {
        try checkOpen()
        let createdMs = Int64(Date().timeIntervalSince1970 * 1000)
        try await mappingErrors(while: "saving a snapshot") {
            try await database.write { db in
                try JournalTable.saveSnapshot(sequence: sequence, state: state, createdMs: createdMs, db)
            }
        }
    }

    public func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])? {
        try await read("reading the latest snapshot", JournalTable.latestSnapshot)
    }

    /// Transactions committed by appends since this store was opened: appends / transactions
    /// is how many inputs group commit put in one fsync on average.
    public var transactionCount: UInt64 {
        get async { await groupCommit.transactionCount }
    }

    public func close() async throws {
        let wasClosed = isClosed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        await groupCommit.close()
        try mappingErrors(while: "closing the journal") { try database.close() }
        logger.info("journal closed", metadata: ["path": "\(path)"])
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL, 1 = NORMAL), for tests.
    func writerSynchronous() async throws -> Int {
        try await database.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
    }

    private func checkOpen() throws(JournalError) {
        if isClosed.withLock({ $0 }) { throw JournalError.closedStore }
    }

    private func read<T: Sendable>(
        _ doing: String, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        try checkOpen()
        return try await mappingErrors(while: doing) { try await database.read(body) }
    }
}
