import Foundation
import Journal
import Logging
import PostgresNIO
import Synchronization

/// The right to serve one shard (docs/journal.md, "Leases"): a session-level PostgreSQL
/// advisory lock on a connection kept for nothing else, plus the shard's epoch, bumped on
/// every acquisition so the stores of every former holder are fenced.
///
/// The advisory lock is what makes a lease exclusive: PostgreSQL grants it to one session at
/// a time and frees it when that session ends, so a holder that died or was cut off loses it
/// without anyone's help. It cannot stop a former holder that has not noticed yet from
/// writing; the epoch does that (`PostgresJournalStore` commits only under the current epoch).
///
/// A lease ends when released or when its session is lost: the connection closed (the backend
/// was terminated, PostgreSQL restarted), or a probe (a query every `probeInterval`) failed or
/// went unanswered for three intervals, or found the epoch moved. The holder learns it from
/// `waitUntilEnded()` and must step down: stop serving the shard, as its appends now fail.
public final class ShardLease: Sendable {
    /// How a lease ended.
    public enum End: Sendable, Equatable {
        /// `release()` gave it up.
        case released
        /// The session was lost; the reason says how.
        case lost(String)
    }

    public let shard: Int
    /// The shard's epoch as bumped by this acquisition: open the shard's store with it.
    public let epoch: Int64
    /// Who holds it, as written in `shard_lease.holder` (a member's name or address).
    public let holder: String
    private let connection: PostgresConnection
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var end: End?
        var waiters: [CheckedContinuation<End, Never>] = []
        var probe: Task<Void, Never>?
    }

    private init(shard: Int, epoch: Int64, holder: String, connection: PostgresConnection, logger: Logger) {
        self.shard = shard
        self.epoch = epoch
        self.holder = holder
        self.connection = connection
        self.logger = logger
    }

    /// Tries to take shard `shard`'s lease on a new connection of its own: nil when another
    /// session holds it (try again later), else the lease with its freshly bumped epoch.
    ///
    /// - Throws: `JournalError` `.invalid` for a bad shard, `.io` when PostgreSQL cannot be
    ///   reached, `.corrupt` for a database from a newer version.
    public static func acquire(
        shard: Int, holder: String, configuration: PostgresConnection.Configuration,
        probeInterval: Duration = .seconds(1), logger: Logger = Logger(label: "copytrade.lease")
    ) async throws -> ShardLease? {
        guard let shardNumber = Int32(exactly: shard), shardNumber >= 0 else {
            throw JournalError(code: .invalid, message: "'shard' must be between 0 and \(Int32.max), got \(shard)")
        }
        let connection = try await mappingPostgresErrors(while: "connecting for the lease of shard \(shard)") {
            try await PostgresConnection.connect(
                configuration: configuration, id: nextConnectionID.add(1, ordering: .relaxed).newValue, logger: logger)
        }
        do {
            try await PostgresJournalSchema.migrate(on: connection, logger: logger)
            let locked = try await connection.scalar(
                "SELECT pg_try_advisory_lock(\(AdvisoryLock.namespace), \(shardNumber))", as: Bool.self, logger: logger)
            guard locked == true else {
                try? await connection.close()
                return nil
            }
            let epoch = try await bumpEpoch(shard: shardNumber, holder: holder, on: connection, logger: logger)
            let lease = ShardLease(shard: shard, epoch: epoch, holder: holder, connection: connection, logger: logger)
            lease.watch(probeInterval: probeInterval)
            logger.info("shard lease acquired", metadata: ["shard": "\(shard)", "epoch": "\(epoch)", "holder": "\(holder)"])
            return lease
        } catch {
            // Closing the session frees the advisory lock if it was taken.
            try? await connection.close()
            throw JournalError.wrappingPostgres(error, while: "acquiring the lease of shard \(shard)")
        }
    }

    /// Makes `holder` the shard's holder with the next epoch (1 for a shard never held). One
    /// statement, so one transaction; it waits for appends holding the row (`FOR SHARE`) to
    /// commit, and every append after it sees the new epoch. Call only under the shard's
    /// advisory lock (tests call it directly to fence a store).
    static func bumpEpoch(shard: Int32, holder: String, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let epoch = try await connection.scalar(
            """
            INSERT INTO shard_lease (shard, epoch, holder, updated_ms) VALUES (\(shard), 1, \(holder), \(now))
            ON CONFLICT (shard) DO UPDATE
                SET epoch = shard_lease.epoch + 1, holder = EXCLUDED.holder, updated_ms = EXCLUDED.updated_ms
            RETURNING epoch
            """, as: Int64.self, logger: logger)
        guard let epoch else {
            throw JournalError(code: .io, message: "bumping the epoch of shard \(shard) returned no row")
        }
        return epoch
    }

    /// Whether the lease is still held as far as this process knows. The store's fencing is
    /// the guarantee; this is how the holder learns it should stop.
    public var isHeld: Bool { state.withLock { $0.end == nil } }

    /// Returns once the lease has ended: released, or lost (then the holder must step down).
    public func waitUntilEnded() async -> End {
        await withCheckedContinuation { continuation in
            let ended: End? = state.withLock { state in
                if let end = state.end { return end }
                state.waiters.append(continuation)
                return nil
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }

    /// Gives the lease up: unlocks and closes the session. The epoch stays as it is; the next
    /// holder bumps it.
    public func release() async {
        guard finish(.released) else { return }
        _ = try? await connection.query(
            "SELECT pg_advisory_unlock(\(AdvisoryLock.namespace), \(Int32(shard)))", logger: logger)
        try? await connection.close()
        logger.info("shard lease released", metadata: ["shard": "\(shard)", "epoch": "\(epoch)"])
    }

    /// Notices the session's end: at once when the connection closes, and through the probe
    /// for a session that hangs (a dead network closes nothing).
    private func watch(probeInterval: Duration) {
        connection.closeFuture.whenComplete { [self] _ in
            lose("the lease's PostgreSQL session closed")
        }
        let probe = Task { [self, connection, logger] in
            while !Task.isCancelled && isHeld {
                try? await Task.sleep(for: probeInterval)
                guard isHeld else { return }
                // Unanswered for three intervals: treat the session as gone (closing it fails the query).
                let watchdog = Task {
                    try await Task.sleep(for: probeInterval * 3)
                    try? await connection.close()
                }
                defer { watchdog.cancel() }
                do {
                    let current = try await connection.scalar(
                        "SELECT epoch FROM shard_lease WHERE shard = \(Int32(shard))", as: Int64.self, logger: logger)
                    if current != epoch {
                        lose("the shard's epoch moved to \(current.map(String.init) ?? "nothing") under this lease")
                        try? await connection.close()
                        return
                    }
                } catch {
                    guard isHeld else { return }
                    lose("probing the lease's session failed: \(JournalError.wrappingPostgres(error, while: "probing").message)")
                    try? await connection.close()
                    return
                }
            }
        }
        state.withLock { $0.probe = probe }
    }

    private func lose(_ reason: String) {
        if finish(.lost(reason)) {
            logger.warning("shard lease lost", metadata: ["shard": "\(shard)", "epoch": "\(epoch)", "reason": "\(reason)"])
        }
    }

    /// Records the end once; false when the lease had already ended.
    private func finish(_ end: End) -> Bool {
        let taken: (waiters: [CheckedContinuation<End, Never>], probe: Task<Void, Never>?)? = state.withLock { state in
            guard state.end == nil else { return nil }
            state.end = end
            let taken = (state.waiters, state.probe)
            state.waiters = []
            state.probe = nil
            return taken
        }
        guard let taken else { return false }
        taken.probe?.cancel()
        for waiter in taken.waiters { waiter.resume(returning: end) }
        return true
    }
}

private let nextConnectionID = Atomic<Int>(1_000_000)
