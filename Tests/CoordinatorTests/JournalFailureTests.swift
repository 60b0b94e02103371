import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import Synchronization
import Testing
@testable import Coordinator

/// A journal that fails is visible (docs/decisions.md, "Coordinator"): the input it refused is
/// not acknowledged, nothing more is decided, no query answers from a state that may hold the
/// unjournaled input, Health says NOT_SERVING, and the error is logged.
@Suite("Journal failure")
struct JournalFailureTests {
    @Test("after a refused journal write: the input is UNAVAILABLE, queries are refused, not serving, logged at error")
    func failureIsVisible() async throws {
        let store = FailingStore(failAfter: 3)
        let log = LogRecorder()
        let sequencer = try await Sequencer(engine: Engine(modules: .inProcess()), store: store,
                                            clock: ManualClock(startMs: 1_700_000_000_000),
                                            logger: Logger(label: "test") { _ in log })
        func deposit(_ key: String) async throws -> Copytrade_V1_InputResult {
            var i = Copytrade_V1_Input()
            i.deposit.accountID = "A"
            i.deposit.amountE8 = 100_000_000
            return try await sequencer.submit(i, key: key)
        }
        var create = Copytrade_V1_Input()
        create.createAccount.accountID = "A"
        create.createAccount.role = .trader
        _ = try await sequencer.submit(create, key: "c")
        _ = try await deposit("d1")
        _ = try await deposit("d2")
        #expect(await sequencer.isServing)
        await #expect(throws: DomainError.self) { _ = try await deposit("d3") }
        do { _ = try await deposit("d3") } catch let e as DomainError { #expect(e.code == .unavailable, "\(e)") }
        await #expect(throws: DomainError.self) { _ = try await deposit("d4") }
        #expect(await !sequencer.isServing)
        do {
            try await sequencer.requireServing()
            Issue.record("queries still answered after the journal failed")
        } catch {
            #expect(error.code == .unavailable && error.message.contains("restart"), "\(error)")
        }
        #expect(log.lines.contains { $0.level == .error && $0.message.contains("journal failed") }, "\(log.lines)")
        #expect(try await store.lastSequence == 3)
    }
}

/// The in-memory journal, refusing every append after the first `failAfter` entries (a full disk).
actor FailingStore: JournalStore {
    let inner = InMemoryJournalStore()
    let failAfter: Int
    var appended = 0
    init(failAfter: Int) { self.failAfter = failAfter }

    func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult] {
        guard appended + entries.count <= failAfter else {
            throw JournalError(code: .io, message: "disk full (test)")
        }
        appended += entries.count
        return try await inner.append(entries)
    }
    func entry(forKey key: String) async throws -> JournalEntry? { try await inner.entry(forKey: key) }
    func entries(after: UInt64, limit: Int) async throws -> [JournalEntry] { try await inner.entries(after: after, limit: limit) }
    var lastSequence: UInt64 { get async throws { try await inner.lastSequence } }
    func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws { try await inner.saveSnapshot(sequence: sequence, state: state) }
    func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])? { try await inner.latestSnapshot() }
    func close() async throws { await inner.close() }
}

/// A log handler keeping every line, for tests that check what was logged.
final class LogRecorder: LogHandler, Sendable {
    struct Line: Sendable { var level: Logger.Level; var message: String }
    private let stored = Mutex<[Line]>([])
    var lines: [Line] { stored.withLock { $0 } }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        stored.withLock { $0.append(Line(level: level, message: "\(message)")) }
    }
}
