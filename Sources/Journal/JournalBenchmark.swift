import Foundation

/// Measures journaled inputs per second on a real file, so `copytrade-bench` can report it
/// without knowing how the store works.
public enum JournalBenchmark {
    public struct Result: Sendable, Hashable, CustomStringConvertible {
        public var entries: Int
        public var concurrency: Int
        public var durability: SQLiteJournalStore.Durability
        public var seconds: Double
        /// Appends that returned (committed) per second.
        public var appendsPerSecond: Double
        /// SQLite transactions the appends took: fewer means more group commit.
        public var transactions: UInt64
        /// Size of one entry's key, kind, input and outcome, in bytes.
        public var entryBytes: Int

        public var description: String {
            let perTransaction = Double(entries) / Double(max(transactions, 1))
            return "journal \(durability.rawValue) c=\(concurrency): \(entries) entries of ~\(entryBytes) B in "
                + String(format: "%.2f s = %.0f appends/s, %llu transactions (%.1f entries each)",
                    seconds, appendsPerSecond, transactions, perTransaction)
        }
    }

    /// Appends `entries` entries (~200 bytes each, one per `append` call, as the coordinator
    /// does) from `concurrency` tasks into a new journal at `path`, which must not exist.
    public static func run(
        path: String,
        entries: Int,
        concurrency: Int,
        durability: SQLiteJournalStore.Durability = .full
    ) async throws -> Result {
        guard entries > 0, concurrency > 0 else {
            throw JournalError(code: .invalid, message: "'entries' and 'concurrency' must be positive")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw JournalError(code: .invalid, message: "'path' \(path) exists: the benchmark needs a new file")
        }
        let store = try SQLiteJournalStore(path: path, durability: durability)
        let seconds = try await appendConcurrently(to: store, entries: entries, concurrency: concurrency)
        let transactions = await store.transactionCount
        try await store.close()
        return Result(
            entries: entries, concurrency: concurrency, durability: durability, seconds: seconds,
            appendsPerSecond: Double(entries) / seconds, transactions: transactions,
            entryBytes: entryBytes)
    }

    /// Size of one benchmark entry's key, kind, input and outcome, in bytes.
    public static let entryBytes = "bench-00000".utf8.count + "trader.open".utf8.count + 8 + 80 + 90

    /// The benchmark's appends on any store (the PostgreSQL one too): `entries` entries of
    /// ~200 bytes, one per `append` call, from `concurrency` tasks. Returns the seconds taken.
    public static func appendConcurrently(to store: some JournalStore, entries: Int, concurrency: Int) async throws -> Double {
        guard entries > 0, concurrency > 0 else {
            throw JournalError(code: .invalid, message: "'entries' and 'concurrency' must be positive")
        }
        let input = [UInt8](repeating: 0x2a, count: 80)
        let outcome = [UInt8](repeating: 0x17, count: 90)
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    for index in stride(from: worker, to: entries, by: concurrency) {
                        let entry = NewJournalEntry(
                            key: "bench-\(index)", kind: "trader.open",
                            receivedMs: 1_700_000_000_000 + Int64(index), input: input, outcome: outcome)
                        _ = try await store.append([entry])
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = start.duration(to: clock.now)
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
