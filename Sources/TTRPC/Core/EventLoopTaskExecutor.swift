import NIOCore

/// A `TaskExecutor` that runs jobs on one NIO `EventLoop`.
///
/// A task started with `Task(executorPreference:)` (or code inside
/// `withTaskExecutorPreference`) on this executor runs its nonisolated code on the loop's
/// thread, so code that awaits only the loop's own events (a ttrpc response, a handler that
/// returns at once) never hands over to another thread. Actor-isolated code still runs on its
/// actor. Do not block the thread in such code: it stalls every channel on that loop.
///
/// NIO 2.101 makes an `EventLoop` a `SerialExecutor` (for actors) but offers no task executor,
/// hence this wrapper.
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
