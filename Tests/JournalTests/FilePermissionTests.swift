import Foundation
import Journal
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The journal holds every balance: only its owner may read it (issue 10 found the data
/// folder 0755 and the journal files 0644, whatever the umask said).
@Suite("Journal file permissions", .timeLimit(.minutes(3)))
struct FilePermissionTests {
    @Test func newJournalIsOwnerOnly() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        _ = try await store.append([.sample("k1")])
        try await store.saveSnapshot(sequence: 1, state: [1, 2, 3])
        let folder = (directory.journalPath as NSString).deletingLastPathComponent
        #expect(try mode(folder) == 0o700, "the directory the store created")
        for suffix in ["", "-wal", "-shm"] {
            #expect(try mode(directory.journalPath + suffix) == 0o600, "journal.sqlite\(suffix)")
        }
        try await store.close()
    }

    @Test func reopeningTightensAJournalLeftReadableByOthers() async throws {
        let directory = try TemporaryDirectory()
        let first = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        _ = try await first.append([.sample("k1")])
        try await first.close()
        #expect(chmod(directory.journalPath, 0o644) == 0)

        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        _ = try await store.append([.sample("k2")])
        for suffix in ["", "-wal", "-shm"] {
            #expect(try mode(directory.journalPath + suffix) == 0o600, "journal.sqlite\(suffix)")
        }
        #expect(try await store.allEntries().map(\.key) == ["k1", "k2"])
        try await store.close()
    }

    @Test func dataDirectoryIsCreatedOwnerOnlyAndAnExistingOneTightened() throws {
        let directory = try TemporaryDirectory()
        let fresh = directory.path("fresh/nested")
        try OwnerOnlyFiles.prepareDirectory(fresh)
        #expect(try mode(fresh) == 0o700)

        let existing = directory.path("existing")
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: false)
        #expect(chmod(existing, 0o755) == 0)
        try OwnerOnlyFiles.prepareDirectory(existing)
        #expect(try mode(existing) == 0o700)
    }

    @Test func aDataPathThatIsAFileIsRefusedNamingIt() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("plain-file")
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let before = try mode(file)
        let error = #expect(throws: JournalError.self) {
            try OwnerOnlyFiles.prepareDirectory(file)
        }
        #expect(error?.code == .io)
        #expect(error?.message.contains(file) == true)
        #expect(try mode(file) == before, "a refused path is left as it was")
    }

    private func mode(_ path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw JournalError(code: .io, message: "stat \(path): errno \(errno)")
        }
        return info.st_mode & 0o777
    }
}
