import CopyTradeProto
import Foundation

/// A `Watch` subscriber: events of one account (or all), delivered once committed. Until its
/// history has been sent, live events are buffered, so nothing is missed. An event can be in
/// the journal (so in the history) before its commit is published, so `lastSent` is what keeps
/// it from being sent twice.
struct Watcher: Sendable {
    let account: String
    let continuation: AsyncStream<Copytrade_V1_Event>.Continuation
    var live = false
    var buffered: [Copytrade_V1_Event] = []
    /// The highest event sequence sent; only later events go out.
    var lastSent: UInt64 = 0

    /// Sends the events after `lastSent`, in order.
    mutating func send(_ events: [Copytrade_V1_Event]) {
        for e in events where e.sequence > lastSent {
            continuation.yield(e)
            lastSent = e.sequence
        }
    }
}

extension Sequencer {
    /// Streams committed events after event sequence `afterEvent` (history first, then live).
    public func watch(account: String, afterEvent: UInt64) async throws -> AsyncStream<Copytrade_V1_Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Copytrade_V1_Event.self, bufferingPolicy: .bufferingNewest(100_000))
        let id = UUID()
        watchers[id] = Watcher(account: account, continuation: continuation)
        continuation.onTermination = { [weak self] _ in Task { await self?.removeWatcher(id) } }
        let past = try await history(account: account, afterEvent: afterEvent, limit: Int.max, kindPrefix: "")
        var last = afterEvent
        for e in past {
            continuation.yield(e)
            last = max(last, e.sequence)
        }
        if var w = watchers[id] {
            w.lastSent = last
            w.send(w.buffered)
            w.buffered = []
            w.live = true
            watchers[id] = w
        }
        return stream
    }

    func removeWatcher(_ id: UUID) { watchers[id] = nil }

    /// Ends every watch stream: a `Watch` call lasts until its stream ends, so a graceful
    /// shutdown, which drains in-flight calls, would otherwise wait for watchers forever.
    public func endWatches() {
        for w in watchers.values { w.continuation.finish() }
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
        for id in Array(watchers.keys) {
            guard let account = watchers[id]?.account else { continue }
            let mine = account.isEmpty ? ready : ready.filter { $0.accountID == account }
            guard !mine.isEmpty else { continue }
            // In place, so a buffering watcher's array is not copied on every commit.
            if watchers[id]?.live == true {
                watchers[id]?.send(mine)
            } else {
                watchers[id]?.buffered.append(contentsOf: mine)
            }
        }
    }
}
