import NIOCore
import Synchronization

extension EventLoopFuture where Value == Void {
    /// Waits until this write completes (the frame reached the socket), or until the calling
    /// task is cancelled, whichever comes first; a failed write throws.
    ///
    /// A frame handed to the channel goes out whole either way (NIO keeps it queued), so a
    /// stream writer that is cancelled stops waiting for a client that does not read without
    /// ever cutting a frame: that is how a `Watch` that fell behind ends promptly
    /// (docs/decisions.md, "Coordinator").
    func waitUnlessCancelled() async throws {
        let box = WriteWaitBox()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let wait = box.state.withLock { s -> Bool in
                    if case .cancelled = s { return false }
                    s = .waiting(c)
                    return true
                }
                guard wait else { return c.resume() }
                self.whenComplete { result in
                    box.take()?.resume(with: result)
                }
            }
        } onCancel: {
            let waiting = box.state.withLock { s -> CheckedContinuation<Void, any Error>? in
                switch s {
                case .idle:
                    s = .cancelled
                    return nil
                case .waiting(let c):
                    s = .done
                    return c
                case .cancelled, .done:
                    return nil
                }
            }
            waiting?.resume()
        }
    }
}

/// The one continuation of ``EventLoopFuture/waitUnlessCancelled()``, resumed exactly once.
private final class WriteWaitBox: Sendable {
    enum State {
        case idle
        case waiting(CheckedContinuation<Void, any Error>)
        case cancelled
        case done
    }

    let state = Mutex(State.idle)

    func take() -> CheckedContinuation<Void, any Error>? {
        state.withLock { s in
            guard case .waiting(let c) = s else { return nil }
            s = .done
            return c
        }
    }
}
