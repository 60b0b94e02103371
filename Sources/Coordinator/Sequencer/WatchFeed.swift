import CopyTradeProto
import Synchronization

/// The committed events waiting for one `Watch` stream's writer: at most `limit` of them.
///
/// The sequencer pushes each commit's events; the stream's writer takes them as fast as its
/// client reads. Unbounded, a client that reads slowly (or never) made the daemon keep every
/// later event for it (issue 10: 20 stuck watchers grew it from 41 to 179 MB); bounded by
/// dropping, it would skip events silently. So past `limit` waiting events the feed *falls
/// behind*: the waiting events are released, the writer is told (``onFellBehind(_:)``), and the
/// stream ends RESOURCE_EXHAUSTED naming the sequence to resume from (docs/decisions.md,
/// "Coordinator").
public final class WatchFeed: Sendable {
    /// Why the feed ended.
    public enum End: Sendable, Equatable {
        /// The daemon is shutting down (or the watch was removed): a clean end.
        case finished
        /// More than `limit` events waited for the writer.
        case fellBehind
    }

    fileprivate struct State {
        var pending: [Copytrade_V1_Event] = []
        /// Index of the next event to hand out (the array is compacted as it drains).
        var head = 0
        var end: End?
        var waiter: CheckedContinuation<Copytrade_V1_Event?, Never>?
        var endHandler: (@Sendable () -> Void)?
        var waiting: Int { pending.count - head }
    }

    /// The most events that may wait for the writer.
    public let limit: Int
    private let state = Mutex(State())

    public init(limit: Int) {
        precondition(limit > 0, "a watch buffer needs room for one event")
        self.limit = limit
    }

    /// Adds committed events. Returns false when this push took the feed past its limit: the
    /// feed has then ended (``End/fellBehind``) and the caller drops it.
    func push(_ events: [Copytrade_V1_Event]) -> Bool {
        let (waiter, event, handler, ok): (CheckedContinuation<Copytrade_V1_Event?, Never>?, Copytrade_V1_Event?, (@Sendable () -> Void)?, Bool) =
            state.withLock { s in
                guard s.end == nil else { return (nil, nil, nil, s.end != .fellBehind) }
                if s.waiting + events.count > limit {
                    s.end = .fellBehind
                    s.pending = []
                    s.head = 0
                    let w = s.waiter
                    s.waiter = nil
                    let h = s.endHandler
                    s.endHandler = nil
                    return (w, nil, h, false)
                }
                s.pending.append(contentsOf: events)
                guard let w = s.waiter, s.waiting > 0 else { return (nil, nil, nil, true) }
                s.waiter = nil
                return (w, s.take(), nil, true)
            }
        waiter?.resume(returning: event)
        handler?()
        return ok
    }

    /// Ends the feed cleanly: the writer gets what is waiting, then the end. Its ``onEnd(_:)``
    /// handler runs, so a writer stuck on a client that does not read stops waiting.
    func finish() {
        let (waiter, handler) = state.withLock { s -> (CheckedContinuation<Copytrade_V1_Event?, Never>?, (@Sendable () -> Void)?) in
            guard s.end == nil else { return (nil, nil) }
            s.end = .finished
            let h = s.endHandler
            s.endHandler = nil
            guard s.waiting == 0 else { return (nil, h) }
            defer { s.waiter = nil }
            return (s.waiter, h)
        }
        waiter?.resume(returning: nil)
        handler?()
    }

    /// The next event; nil once the feed has ended (see ``end``) or the calling task is cancelled.
    public func next() async -> Copytrade_V1_Event? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                let immediate: Copytrade_V1_Event?? = state.withLock { s in
                    if s.waiting > 0 && s.end != .fellBehind { return .some(s.take()) }
                    if s.end != nil || Task.isCancelled { return .some(nil) }
                    s.waiter = c
                    return nil
                }
                if let immediate { c.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Copytrade_V1_Event?, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Why the feed ended; nil while it is open.
    public var end: End? { state.withLock { $0.end } }

    /// Events waiting for the writer (for tests and diagnostics).
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Runs `body` once when the feed ends, either way (at once if it already has): the writer
    /// uses it to stop waiting on a client that does not read.
    public func onEnd(_ body: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.end != nil { return true }
            s.endHandler = body
            return false
        }
        if now { body() }
    }
}

extension WatchFeed.State {
    /// Takes the next waiting event (there must be one); compacts the array once half is taken.
    fileprivate mutating func take() -> Copytrade_V1_Event {
        let e = pending[head]
        head += 1
        if head == pending.count {
            pending.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= pending.count {
            pending.removeFirst(head)
            head = 0
        }
        return e
    }
}
