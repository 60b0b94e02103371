import CopyTradeProto
import Foundation

/// A `Watch` subscriber: events of one account (or all), pushed into its bounded ``WatchFeed``
/// as they commit. Its history is read by its ``WatchCursor``, outside the sequencer.
struct Watcher: Sendable {
    let account: String
    let feed: WatchFeed
}

extension Sequencer {
    /// Subscribes to committed events after event sequence `afterEvent`: the cursor reads the
    /// history first, then the events committed from now on, each once and in order. At most
    /// `bufferLimit` events wait for the reader; past that the feed falls behind and ends
    /// (docs/decisions.md, "Coordinator"). Call ``unsubscribe(_:)`` when done.
    public func subscribe(account: String, afterEvent: UInt64,
                          bufferLimit: Int = WatchCursor.defaultBufferLimit) -> WatchCursor {
        let id = UUID()
        let feed = WatchFeed(limit: bufferLimit)
        // Registered before the history is read: every event is either in the journal when
        // the history is read, or committed later and so pushed here.
        watchers[id] = Watcher(account: account, feed: feed)
        return WatchCursor(id: id, sequencer: self, account: account, after: afterEvent, feed: feed)
    }

    /// Removes a subscription (its feed ends).
    public func unsubscribe(_ id: UUID) {
        watchers.removeValue(forKey: id)?.feed.finish()
    }

    /// Streams committed events after event sequence `afterEvent` (history first, then live),
    /// for in-process readers (the benchmark, tests); the control service's `Watch` uses
    /// ``subscribe(account:afterEvent:bufferLimit:)`` directly so it can end a slow client.
    public func watch(account: String, afterEvent: UInt64) async throws -> AsyncStream<Copytrade_V1_Event> {
        let cursor = WatchCursorBox(subscribe(account: account, afterEvent: afterEvent))
        return AsyncStream(unfolding: { try? await cursor.next() })
    }

    /// Ends every watch stream: a `Watch` call lasts until its stream ends, so a graceful
    /// shutdown, which drains in-flight calls, would otherwise wait for watchers forever.
    public func endWatches() {
        for w in watchers.values { w.feed.finish() }
        watchers = [:]
    }

    /// Called for each applied input (before commit): its events wait here until committed.
    func afterApply(_ changes: StateChanges, events: [Copytrade_V1_Event]) {
        if !events.isEmpty { uncommittedEvents.append((nextSequence - 1, events)) }
        feedReorderWindow(changes)
    }

    func publishCommitted(through sequence: UInt64) {
        // One commit can cover many inputs (group commit): take them off the front at once.
        let count = uncommittedEvents.prefix { $0.sequence <= sequence }.count
        guard count > 0 else { return }
        let ready = uncommittedEvents.prefix(count).flatMap(\.events)
        uncommittedEvents.removeFirst(count)
        guard !watchers.isEmpty else { return }
        var behind: [UUID] = []
        for (id, w) in watchers {
            let mine = w.account.isEmpty ? ready : ready.filter { $0.accountID == w.account }
            guard !mine.isEmpty else { continue }
            if !w.feed.push(mine) { behind.append(id) }
        }
        for id in behind {
            // Its waiting events are released with it: a client that stopped reading costs
            // at most `limit` events, never the daemon's memory (issue 10).
            let limit = watchers.removeValue(forKey: id)?.feed.limit ?? 0
            logger.warning("watch fell behind: ended", metadata: ["limit": "\(limit)", "sequence": "\(sequence)"])
        }
    }
}

/// Lets the unfolding `AsyncStream` of ``Sequencer/watch(account:afterEvent:)`` own a cursor
/// (it is pulled by one consumer at a time).
private final class WatchCursorBox: @unchecked Sendable {
    var cursor: WatchCursor
    init(_ cursor: WatchCursor) { self.cursor = cursor }
    func next() async throws -> Copytrade_V1_Event? { try await cursor.next() }
}
