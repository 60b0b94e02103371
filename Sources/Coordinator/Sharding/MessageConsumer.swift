import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import PostgresJournal

/// Applies the messages other shards send to one shard (docs/sharding.md, "Messages"): for
/// each source, the messages after this shard's cursor, in the source's order, each as an
/// input of this shard whose journal entry moves the cursor in the same transaction. The
/// tables are the truth: LISTEN/NOTIFY only wakes the consumer, and it also looks every
/// `pollInterval`, so a lost notification delays a message, never loses it.
struct MessageConsumer: Sendable {
    let shard: Int
    let count: Int
    let box: ShardMessageBox
    let sequencer: Sequencer
    let logger: Logger
    var pageSize = 512
    var pollInterval: Duration = .milliseconds(500)

    /// Runs until cancelled.
    func run() async {
        let (doorbell, ring) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let listening = Task {
            for await _ in box.wakeUps(target: shard) { ring.yield() }
        }
        let polling = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: pollInterval)
                ring.yield()
            }
        }
        defer {
            listening.cancel()
            polling.cancel()
            ring.finish()
        }
        var cursors: [Int: ShardMessageCursor]?
        var lastFailure = ""
        for await _ in doorbell {
            if Task.isCancelled { return }
            do {
                if cursors == nil { cursors = try await box.cursors(target: shard) }
                try await drain(&cursors!)
                lastFailure = ""
            } catch {
                // PostgreSQL or the sequencer is down: the next ring tries again; said once.
                let text = "\(error)"
                if text != lastFailure {
                    logger.error("cannot apply messages to shard \(shard): \(text)")
                    lastFailure = text
                }
                cursors = nil
            }
        }
    }

    /// Applies everything pending, until a read finds nothing: one read for every source,
    /// then each source's messages as one ordered run (sources have no order between them).
    func drain(_ cursors: inout [Int: ShardMessageCursor]) async throws {
        let sources = (0..<count).filter { $0 != shard }
        while !Task.isCancelled {
            let messages = try await box.pending(target: shard, sources: sources, after: cursors, limit: pageSize)
            guard !messages.isEmpty else { return }
            let runs = Dictionary(grouping: messages, by: \.source)
            // Every source's run is queued before any is awaited: one commit can carry them all.
            let results = await withTaskGroup(of: (Int, [Result<Copytrade_V1_InputResult, any Error>]).self) { group in
                for (source, run) in runs { group.addTask { (source, await sequencer.applyMessages(run)) } }
                var all: [Int: [Result<Copytrade_V1_InputResult, any Error>]] = [:]
                for await (source, r) in group { all[source] = r }
                return all
            }
            var failure: (any Error)?
            for (source, run) in runs {
                for (m, r) in zip(run, results[source] ?? []) {
                    guard case .success = r else {
                        if case .failure(let error) = r { failure = failure ?? error }
                        break
                    }
                    cursors[source] = m.cursor
                }
            }
            if let failure { throw failure }
        }
    }
}

/// The account directory on PostgreSQL: the role each shard recorded for the accounts it
/// created, in the transaction that created them.
struct PostgresAccountDirectory: AccountDirectory {
    let box: ShardMessageBox
    func role(of account: String) async throws -> AccountRole? {
        guard let row = try await box.role(of: account) else { return nil }
        return AccountRole(rawValue: row.role)
    }
}
