import CopyTradeCore
import CopyTradeProto
import Journal
import Logging

extension Sequencer {
    /// Rebuilds state: the latest snapshot, then the outcome of every journal entry after it,
    /// re-applied (never re-decided), so the result is exactly what was acknowledged.
    static func recover(from store: any JournalStore, logger: Logger) async throws -> (EngineState, UInt64) {
        var state = EngineState()
        var last: UInt64 = 0
        if let snap = try await store.latestSnapshot() {
            let s = try Copytrade_V1_Snapshot(serializedBytes: snap.state)
            state = OutcomeWire.state(s)
            last = snap.sequence
        }
        let fromSnapshot = last
        while true {
            let page = try await store.entries(after: last, limit: 2_000)
            if page.isEmpty { break }
            for entry in page {
                let outcome = try Copytrade_V1_Outcome(serializedBytes: entry.outcome)
                state.apply(OutcomeWire.changes(outcome))
                last = entry.sequence
            }
        }
        logger.info("recovered", metadata: ["snapshot": "\(fromSnapshot)", "replayed": "\(last - fromSnapshot)", "sequence": "\(last)"])
        return (state, last)
    }

    /// The journaled idempotency keys received since `since` (the retention), read once at
    /// start, and the older ones (they go to the forgotten filter, not into memory).
    static func loadKeys(from store: any JournalStore, since: Millis) async throws -> (keys: [(key: String, at: Millis)], forgotten: ForgottenKeys) {
        var keys: [(key: String, at: Millis)] = []
        var forgotten = ForgottenKeys()
        var after: UInt64 = 0
        while true {
            let page = try await store.keys(after: after, limit: 50_000)
            guard let last = page.last else { break }
            for k in page {
                if k.receivedMs >= since { keys.append((k.key, k.receivedMs)) } else { forgotten.insert(k.key) }
            }
            after = last.sequence
        }
        return (keys, forgotten)
    }
}
