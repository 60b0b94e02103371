import Foundation
import Journal
import Logging
import PostgresNIO

/// The tables every shard shares, created and upgraded by the project: each migration is
/// recorded in `schema_version`, so a database written by an older version is brought up to
/// date when a store or a lease opens it, and one written by a newer version is refused (an
/// older binary must not write rows whose meaning it does not know), as `JournalSchema` does
/// for SQLite.
public enum PostgresJournalSchema {
    struct Migration {
        var version: Int32
        var name: String
        var statements: [String]
    }

    /// Applied in order, each once. Append new ones; never edit an applied one.
    static let migrations: [Migration] = [
        Migration(version: 1, name: "v1-journal-snapshot-lease", statements: [
            // One journal stream per shard: sequences are per shard, gap-free; a key is unique
            // within its shard (idempotency is per shard: an account's inputs go to one shard).
            """
            CREATE TABLE journal (
                shard integer NOT NULL,
                sequence bigint NOT NULL,
                key text NOT NULL,
                kind text NOT NULL,
                received_ms bigint NOT NULL,
                input bytea NOT NULL,
                outcome bytea NOT NULL,
                first_event bigint,
                PRIMARY KEY (shard, sequence),
                UNIQUE (shard, key)
            )
            """,
            // The history index (docs/journal.md, "History index"), per shard.
            "CREATE INDEX journal_first_event ON journal (shard, first_event) WHERE first_event IS NOT NULL",
            """
            CREATE TABLE snapshot (
                shard integer NOT NULL,
                sequence bigint NOT NULL,
                state bytea NOT NULL,
                created_ms bigint NOT NULL,
                PRIMARY KEY (shard, sequence)
            )
            """,
            // Fencing (docs/journal.md, "Fencing"): the epoch is bumped on every takeover, and
            // an append commits only while its store's epoch is still this row's.
            """
            CREATE TABLE shard_lease (
                shard integer PRIMARY KEY,
                epoch bigint NOT NULL,
                holder text NOT NULL,
                updated_ms bigint NOT NULL
            )
            """,
        ]),
        Migration(version: 2, name: "v2-cluster-member", statements: [
            // One row: the cluster's shard count, fixed when the first member creates it
            // (docs/decisions.md, "PostgreSQL"); a member started with another count is refused.
            """
            CREATE TABLE cluster (
                id integer PRIMARY KEY CHECK (id = 1),
                shards integer NOT NULL,
                created_ms bigint NOT NULL
            )
            """,
            // Routing: where each member answers control calls, and the shard it holds (NULL:
            // standby). A standby forwards to the address of the shard's lease holder.
            """
            CREATE TABLE member (
                id text PRIMARY KEY,
                address text NOT NULL,
                shard integer,
                updated_ms bigint NOT NULL
            )
            """,
        ]),
        Migration(version: 3, name: "v3-shard-message-cursor-directory", statements: [
            // Cross-shard messages (issue 11), written in the transaction of the source's entry
            // `sequence` (`idx`: its position among that entry's messages). Keyed by target
            // first: a receiver reads its own messages, per source, in (sequence, idx) order.
            """
            CREATE TABLE shard_message (
                source integer NOT NULL,
                sequence bigint NOT NULL,
                idx integer NOT NULL,
                target integer NOT NULL,
                payload bytea NOT NULL,
                PRIMARY KEY (target, source, sequence, idx)
            )
            """,
            // Where each receiving shard has got to in each source's stream, written in the
            // transaction of the entry that applied the message: the receiver's exactly-once.
            """
            CREATE TABLE shard_cursor (
                target integer NOT NULL,
                source integer NOT NULL,
                sequence bigint NOT NULL,
                idx integer NOT NULL,
                PRIMARY KEY (target, source)
            )
            """,
            // Which shard created each account, and in which role, written with the entry that
            // created it: another shard checks a trader exists before a follow relation.
            """
            CREATE TABLE account_directory (
                account text PRIMARY KEY,
                shard integer NOT NULL,
                role text NOT NULL
            )
            """,
        ]),
    ]

    /// The schema version this build writes.
    public static var currentVersion: Int32 { migrations.last!.version }

    /// Creates or upgrades the tables on `connection`'s database, in one transaction under an
    /// advisory lock, so processes opening the same database at once migrate it once.
    ///
    /// - Throws: `JournalError` `.corrupt` when the database holds a `journal` table that no
    ///   version of this project created, or a schema newer than this build's; `.io` when
    ///   PostgreSQL fails.
    public static func migrate(on connection: PostgresConnection, logger: Logger) async throws {
        try await mappingPostgresErrors(while: "migrating the journal schema") {
            try await connection.inTransaction(logger: logger) { c in
                try await c.query(
                    "SELECT pg_advisory_xact_lock(\(AdvisoryLock.namespace), \(AdvisoryLock.schemaMigration))",
                    logger: logger)
                let hasVersions = try await c.scalar(
                    "SELECT to_regclass('schema_version') IS NOT NULL", as: Bool.self, logger: logger) ?? false
                if !hasVersions {
                    let hasJournal = try await c.scalar(
                        "SELECT to_regclass('journal') IS NOT NULL", as: Bool.self, logger: logger) ?? false
                    if hasJournal {
                        throw JournalError(
                            code: .corrupt,
                            message: "not a journal: the database has a 'journal' table but no schema_version")
                    }
                    try await c.query(
                        """
                        CREATE TABLE schema_version (
                            version integer PRIMARY KEY, name text NOT NULL, applied_ms bigint NOT NULL)
                        """, logger: logger)
                }
                let applied = try await c.scalar(
                    "SELECT coalesce(max(version), 0) FROM schema_version", as: Int32.self, logger: logger) ?? 0
                guard applied <= currentVersion else {
                    throw JournalError(
                        code: .corrupt,
                        message: "the journal database has schema version \(applied), written by a newer "
                            + "version of this software (this one knows up to \(currentVersion))")
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                for migration in migrations where migration.version > applied {
                    for statement in migration.statements {
                        try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await c.query(
                        "INSERT INTO schema_version (version, name, applied_ms) VALUES (\(migration.version), \(migration.name), \(now))",
                        logger: logger)
                    logger.info("journal schema migrated", metadata: ["version": "\(migration.version)"])
                }
            }
        }
    }
}
