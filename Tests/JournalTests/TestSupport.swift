import Foundation
import Journal
import PostgresJournal
import Logging
import Testing

/// The stores every contract test runs against, as grpc-swift parameterises by transport.
/// A PostgreSQL store is a shard of its own in the tests' shared database, so each test
/// starts from an empty journal (`JournalPostgres`).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, inMemory, postgres

    var testDescription: String { rawValue }

    func make(in directory: TemporaryDirectory) async throws -> any JournalStore {
        switch self {
        case .sqlite: try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        case .inMemory: InMemoryJournalStore()
        case .postgres: try await JournalPostgres.shared().openFreshShard()
        }
    }
}

/// A directory of its own for one test, removed when the test is done with it.
final class TemporaryDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("journal-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// A journal path one directory down, so opening also has to create that directory.
    var journalPath: String { url.appendingPathComponent("data/journal.sqlite").path }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

extension Logger {
    /// Keeps test output to the test results.
    static let quiet = Logger(label: "journal-tests") { _ in SwiftLogNoOpLogHandler() }
}

extension NewJournalEntry {
    /// An entry whose fields are all derived from `key`, so a read-back can be checked.
    static func sample(_ key: String, kind: String = "trader.open") -> NewJournalEntry {
        NewJournalEntry(
            key: key, kind: kind, receivedMs: Int64(key.utf8.count) * 1_000,
            input: Array("in:\(key)".utf8), outcome: Array("out:\(key)".utf8))
    }
}

extension JournalStore {
    /// Every entry, read in pages as recovery does.
    func allEntries(pageSize: Int = 100) async throws -> [JournalEntry] {
        var all: [JournalEntry] = []
        while true {
            let page = try await entries(after: all.last?.sequence ?? 0, limit: pageSize)
            if page.isEmpty { return all }
            all += page
        }
    }
}
