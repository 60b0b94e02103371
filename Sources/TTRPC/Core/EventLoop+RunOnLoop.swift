import NIOCore

extension EventLoop {
    /// Runs `body` at once when called on this loop's thread, otherwise on the loop next.
    /// `execute` alone would queue it either way: a caller already on the loop (one running
    /// under ``TTRPCClient/executor``, or a handler on its connection's loop) saves that hop.
    func runOnLoop(_ body: @escaping @Sendable () -> Void) {
        if inEventLoop { body() } else { execute(body) }
    }
}
