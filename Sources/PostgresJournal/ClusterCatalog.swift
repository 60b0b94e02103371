import Foundation
import Journal
import Logging
import PostgresNIO

/// What the members of one PostgreSQL cluster share besides the journal (docs/journal.md,
/// "PostgreSQL"): the shard count fixed at creation (`cluster`), where each member answers
/// control calls (`member`), and who holds each shard (`shard_lease`, joined with `member`).
/// The tables are the truth; a member keeps no copy it relies on.
public struct ClusterCatalog: Sendable {
    /// One shard as `copyctl shards` shows it.
    public struct ShardRow: Sendable, Equatable {
        public var shard: Int
        public var holder: String
        /// The holder's registered control address ("" when it never registered one).
        public var address: String
        public var epoch: Int64
        public var lastSequence: Int64
        /// Whether a session holds the shard's advisory lock now (a dead holder's row stays).
        public var held: Bool
    }

    /// The pool the shard stores share with this catalog.
    public let client: PostgresClient
    let logger: Logger

    /// `client` must be running (its `run()` belongs to the caller).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Creates or migrates the schema, then records `shards` as the cluster's shard count if
    /// the cluster is new. Returns the count the cluster was created with: the caller refuses
    /// to start when it differs from its own.
    ///
    /// - Throws: `JournalError` `.io` when PostgreSQL cannot be reached, `.corrupt` for a
    ///   database from a newer version.
    public func createOrRead(shards: Int) async throws -> Int {
        try await mappingPostgresErrors(while: "reading the cluster's shard count") {
            try await client.withConnection { [logger] c in
                try await PostgresJournalSchema.migrate(on: c, logger: logger)
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                try await c.query(
                    "INSERT INTO cluster (id, shards, created_ms) VALUES (1, \(Int32(clamping: shards)), \(now)) ON CONFLICT (id) DO NOTHING",
                    logger: logger)
                return Int(try await c.scalar("SELECT shards FROM cluster WHERE id = 1", as: Int32.self, logger: logger) ?? 0)
            }
        }
    }

    /// Records (or updates) where member `id` answers control calls and which shard it holds
    /// (nil: none, a standby).
    public func register(member id: String, address: String, shard: Int?) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let held = shard.map { Int32(clamping: $0) }
        try await mappingPostgresErrors(while: "registering member \(id)") {
            try await client.withConnection { [logger] c in
                try await c.query(
                    """
                    INSERT INTO member (id, address, shard, updated_ms) VALUES (\(id), \(address), \(held), \(now))
                    ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, shard = EXCLUDED.shard,
                        updated_ms = EXCLUDED.updated_ms
                    """, logger: logger)
            }
        }
    }

    /// Removes member `id` (a clean stop), so nobody forwards to it.
    public func deregister(member id: String) async throws {
        try await mappingPostgresErrors(while: "deregistering member \(id)") {
            try await client.withConnection { [logger] c in
                try await c.query("DELETE FROM member WHERE id = \(id)", logger: logger)
            }
        }
    }

    /// The control address of shard `shard`'s current holder, or nil when no session holds
    /// its lease (between a holder's death and a takeover) or the holder registered none.
    public func holderAddress(shard: Int) async throws -> String? {
        try await shards(count: shard + 1).first { $0.shard == shard && $0.held }.flatMap { $0.address.isEmpty ? nil : $0.address }
    }

    /// Shards `0..<count`: holder, registered address, epoch, last sequence, whether held now.
    /// A shard never held appears with an empty holder and epoch 0.
    public func shards(count: Int) async throws -> [ShardRow] {
        try await mappingPostgresErrors(while: "listing the shards") {
            try await client.withConnection { [logger] c in
                let rows = try await c.query(
                    """
                    WITH held AS (
                        SELECT k.objid::bigint AS shard FROM pg_locks k
                        WHERE k.locktype = 'advisory' AND k.granted
                          AND k.classid::bigint = \(Int64(UInt32(bitPattern: AdvisoryLock.namespace))) AND k.objsubid = 2
                          AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
                    SELECT s.shard,
                           coalesce(l.holder, ''),
                           coalesce(m.address, ''),
                           coalesce(l.epoch, 0),
                           coalesce((SELECT max(j.sequence) FROM journal j WHERE j.shard = s.shard), 0),
                           EXISTS (SELECT 1 FROM held h WHERE h.shard = s.shard)
                    FROM generate_series(0, \(Int32(clamping: count - 1))) AS s(shard)
                    LEFT JOIN shard_lease l ON l.shard = s.shard
                    LEFT JOIN member m ON m.id = l.holder
                    ORDER BY s.shard
                    """, logger: logger)
                var out: [ShardRow] = []
                for try await (shard, holder, address, epoch, last, held)
                    in rows.decode((Int32, String, String, Int64, Int64, Bool).self) {
                    out.append(ShardRow(shard: Int(shard), holder: holder, address: address, epoch: epoch,
                                        lastSequence: last, held: held))
                }
                return out
            }
        }
    }
}
