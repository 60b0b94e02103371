import GRDB

extension SQLiteJournalStore.Durability {
    /// SQLite's numbering of `PRAGMA synchronous`.
    var pragmaValue: Int {
        switch self {
        case .full: 2
        case .normal: 1
        }
    }

    /// Sets `PRAGMA synchronous` on `db` and reads it back, since a silently ignored setting
    /// would turn "acknowledged means durable" into a guess.
    func apply(to db: Database) throws {
        try db.execute(sql: "PRAGMA synchronous = \(pragmaValue)")
        let actual = try Int.fetchOne(db, sql: "PRAGMA synchronous")
        guard actual == pragmaValue else {
            throw JournalError(
                code: .io,
                message: "could not set PRAGMA synchronous = \(pragmaValue) (\(rawValue)); it is \(actual ?? -1)")
        }
    }
}
