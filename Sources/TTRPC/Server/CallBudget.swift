import Synchronization

/// The calls running on a whole server, bounded by
/// ``TTRPCServerConfiguration/maxConcurrentCalls``; shared by every connection.
///
/// A call takes a unit before its task starts and gives it back when its handler returned,
/// so the bound is on work actually running, not on what has been answered.
final class CallBudget: Sendable {
    let limit: Int
    private let running = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes one unit; false when `limit` calls are already running.
    func tryAcquire() -> Bool {
        var current = running.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = running.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() {
        running.subtract(1, ordering: .releasing)
    }

    /// What a call past the limit is answered.
    var refusal: TTRPCError {
        TTRPCError(
            code: .resourceExhausted,
            message: "ttrpc: \(limit) calls already in flight on this server (maxConcurrentCalls \(limit))")
    }
}
