import Foundation
import Journal
import Testing
import TestSupport

/// Kills a writer process with SIGKILL while it appends, then checks that every entry it
/// acknowledged is in the reopened journal, exactly once and at the acknowledged sequence.
@Suite("Crash recovery", .timeLimit(.minutes(3)))
struct CrashTests {
    @Test(arguments: [1, 2_000])
    func acknowledgedEntriesSurviveSIGKILL(killAfterAcks: Int) async throws {
        let directory = try TemporaryDirectory()
        let acks = try await runWriterAndKill(
            journal: directory.journalPath, ackFile: directory.path("acks.txt"),
            killAfterAcks: killAfterAcks)
        #expect(acks.count >= killAfterAcks)

        let store = try SQLiteJournalStore(path: directory.journalPath, logger: .quiet)
        let entries = try await store.allEntries(pageSize: 500)
        // Readable, gap-free, no key twice.
        #expect(entries.map(\.sequence) == Array(1...UInt64(entries.count)))
        #expect(Set(entries.map(\.key)).count == entries.count)
        #expect(try await store.lastSequence == UInt64(entries.count))
        // Every acknowledged entry present, at its acknowledged sequence, intact.
        let byKey = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0) })
        for (sequence, key) in acks {
            let entry = try #require(byKey[key], "acknowledged \(key) missing")
            #expect(entry.sequence == sequence)
            #expect(entry.outcome == Array("outcome \(key.dropFirst("crash-".count))".utf8))
        }
        // A client retrying an acknowledged input gets the recorded outcome; new ones append.
        let (_, someKey) = try #require(acks.first)
        #expect(try await store.append(.sample(someKey)).isDuplicate)
        #expect(try await store.append(.sample("after-crash")) == .appended(UInt64(entries.count) + 1))
        try await store.close()
    }

    /// Starts `journal-crash-writer`, waits until `killAfterAcks` lines are acknowledged, kills
    /// it, and returns every acknowledgement it wrote as (sequence, key).
    private func runWriterAndKill(
        journal: String, ackFile: String, killAfterAcks: Int
    ) async throws -> [(UInt64, String)] {
        let writer = try Spawned(try Self.writerExecutable().path, [journal, "10000000", "16"], stdout: .file(ackFile))
        defer { writer.kill9() }

        let deadline = ContinuousClock.now + .seconds(120)
        while try Self.readAcks(ackFile).count < killAfterAcks {
            try #require(writer.isRunning, "the writer exited before it was killed")
            try #require(ContinuousClock.now < deadline, "the writer acknowledged too little in time")
            try await Task.sleep(for: .milliseconds(5))
        }
        writer.signal(SIGKILL)
        let status = await writer.wait(within: .seconds(10))
        #expect(status == -SIGKILL, "the writer outlived SIGKILL or ended otherwise: \(String(describing: status))")
        return try Self.readAcks(ackFile)
    }

    /// Complete "ACK <sequence> <key>" lines only.
    private static func readAcks(_ path: String) throws -> [(UInt64, String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "ACK", let sequence = UInt64(fields[1]) else {
                return nil
            }
            return (sequence, String(fields[2]))
        }
    }

    /// The writer is built beside the test binary (it is a dependency of the test target).
    private static func writerExecutable() throws -> URL {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        #if os(macOS)
        candidates += Bundle.allBundles
            .filter { $0.bundlePath.hasSuffix(".xctest") }
            .map { $0.bundleURL.deletingLastPathComponent() }
        #endif
        let found = candidates
            .map { $0.appendingPathComponent("journal-crash-writer") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(found, "journal-crash-writer not found beside \(candidates)")
    }
}
