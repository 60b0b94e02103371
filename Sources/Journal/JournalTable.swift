import Foundation
import GRDB

/// The SQL of the journal and snapshot tables, one function per operation, each run inside a
/// transaction the caller owns.
enum JournalTable {
    private static let columns = "sequence, key, kind, received_ms, input, outcome"

    /// Appends each group's entries in order, assigning sequences from the current maximum so
    /// they stay gap-free: a rolled-back transaction leaves no hole because nothing is
    /// reserved outside it. Duplicates (of the journal or of an earlier entry in `groups`)
    /// are answered with the original entry.
    static func append(_ groups: [[NewJournalEntry]], _ db: Database) throws -> [[AppendResult]] {
        var next = try lastSequence(db) + 1
        // Empty byte arrays bind as NULL; coalesce keeps them empty blobs for NOT NULL.
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO journal (\(columns), first_event)
                VALUES (?, ?, ?, ?, coalesce(?, x''), coalesce(?, x''), ?)
                ON CONFLICT (key) DO NOTHING
                """)
        return try groups.map { entries in
            try entries.map { entry in
                try insert.execute(arguments: [
                    Int64(next), entry.key, entry.kind, entry.receivedMs,
                    Data(entry.input), Data(entry.outcome), entry.firstEvent.map { Int64(clamping: $0) },
                ])
                if db.changesCount == 1 {
                    defer { next += 1 }
                    return .appended(next)
                }
                guard let original = try self.entry(forKey: entry.key, db) else {
                    throw JournalError(
                        code: .corrupt, message: "key '\(entry.key)' conflicted but cannot be read")
                }
                return .duplicate(original)
            }
        }
    }

    static func entry(forKey key: String, _ db: Database) throws -> JournalEntry? {
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM journal WHERE key = ?")
        return try Row.fetchOne(statement, arguments: [key]).map(decode)
    }

    static func entries(after: UInt64, limit: Int, _ db: Database) throws -> [JournalEntry] {
        let statement = try db.cachedStatement(
            sql: "SELECT \(columns) FROM journal WHERE sequence > ? ORDER BY sequence LIMIT ?")
        return try Row.fetchCursor(statement, arguments: [Int64(clamping: after), limit])
            .map(decode)
            .reduce(into: []) { $0.append($1) }
    }

    static func keys(after: UInt64, limit: Int, _ db: Database) throws -> [JournalKey] {
        let statement = try db.cachedStatement(
            sql: "SELECT sequence, key, received_ms FROM journal WHERE sequence > ? ORDER BY sequence LIMIT ?")
        return try Row.fetchCursor(statement, arguments: [Int64(clamping: after), limit])
            .map { JournalKey(sequence: UInt64($0[0] as Int64), key: $0[1], receivedMs: $0[2]) }
            .reduce(into: []) { $0.append($1) }
    }

    /// The entry holding `event`: the last one whose first event is at or before it. An index
    /// look-up (`journal_first_event`), however long the journal.
    static func entrySequence(holdingEvent event: UInt64, _ db: Database) throws -> UInt64? {
        let statement = try db.cachedStatement(
            sql: "SELECT sequence FROM journal WHERE first_event <= ? ORDER BY first_event DESC LIMIT 1")
        return try Int64.fetchOne(statement, arguments: [Int64(clamping: event)]).map { UInt64($0) }
    }

    static func lastSequence(_ db: Database) throws -> UInt64 {
        UInt64(try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM journal") ?? 0)
    }

    /// Saves a snapshot (replacing one at the same sequence) and drops all but the latest few.
    static func saveSnapshot(sequence: UInt64, state: [UInt8], createdMs: Int64, _ db: Database) throws {
        let last = try lastSequence(db)
        guard sequence <= last else {
            throw JournalError(
                code: .invalid,
                message: "snapshot 'sequence' \(sequence) is past the last journaled sequence \(last)")
        }
        try db.execute(
            sql: "INSERT OR REPLACE INTO snapshot (sequence, state, created_ms) VALUES (?, coalesce(?, x''), ?)",
            arguments: [Int64(sequence), Data(state), createdMs])
        try db.execute(
            sql: """
                DELETE FROM snapshot WHERE sequence NOT IN
                    (SELECT sequence FROM snapshot ORDER BY sequence DESC LIMIT ?)
                """,
            arguments: [JournalSchema.snapshotsKept])
    }

    static func latestSnapshot(_ db: Database) throws -> (sequence: UInt64, state: [UInt8])? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT sequence, state FROM snapshot ORDER BY sequence DESC LIMIT 1")
        else { return nil }
        return (UInt64(row[0] as Int64), try bytes(row, 1))
    }

    private static func decode(_ row: Row) throws -> JournalEntry {
        JournalEntry(
            sequence: UInt64(row[0] as Int64), key: row[1], kind: row[2], receivedMs: row[3],
            input: try bytes(row, 4), outcome: try bytes(row, 5))
    }

    /// Copies a blob column once, straight into the array (no intermediate `Data` copy).
    private static func bytes(_ row: Row, _ index: Int) throws -> [UInt8] {
        try row.withUnsafeData(atIndex: index) { data in data.map { [UInt8]($0) } ?? [] }
    }
}
