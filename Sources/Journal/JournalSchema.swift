import GRDB

/// The journal's tables, created and upgraded by a GRDB migrator so a file written by an
/// older version is brought up to date on open, and a file from a newer one is refused.
package enum JournalSchema {
    /// How many snapshots to keep: the latest is enough to recover, a couple more give room
    /// if the latest turns out unusable.
    package static let snapshotsKept = 3

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-journal-and-snapshot") { db in
            // `sequence` is the rowid, so reading in order and MAX(sequence) are index look-ups.
            try db.execute(
                sql: """
                    CREATE TABLE journal (
                        sequence INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        kind TEXT NOT NULL,
                        received_ms INTEGER NOT NULL,
                        input BLOB NOT NULL,
                        outcome BLOB NOT NULL
                    );
                    CREATE TABLE snapshot (
                        sequence INTEGER PRIMARY KEY,
                        state BLOB NOT NULL,
                        created_ms INTEGER NOT NULL
                    );
                    """)
        }
        // Where each entry's events begin, so `history --after N` starts at the entry holding
        // event N+1 (docs/journal.md, "History index"). Entries journaled before this migration
        // keep NULL: a read reaching back to them scans from the start, as before.
        migrator.registerMigration("v2-first-event-index") { db in
            try db.execute(
                sql: """
                    ALTER TABLE journal ADD COLUMN first_event INTEGER;
                    CREATE INDEX journal_first_event ON journal (first_event) WHERE first_event IS NOT NULL;
                    """)
        }
        return migrator
    }

    /// Refuses a database that holds tables but was never migrated as a journal, or was
    /// migrated by a newer version whose schema this code does not know.
    static func checkIsJournal(_ db: Database) throws {
        let migrator = Self.migrator
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if !tables.isEmpty && !tables.contains("grdb_migrations") {
            throw JournalError(
                code: .corrupt,
                message: "not a journal: the database has tables \(tables.sorted()) but no journal schema")
        }
        if try migrator.hasBeenSuperseded(db) {
            throw JournalError(
                code: .corrupt, message: "the journal was written by a newer version of this software")
        }
    }
}
