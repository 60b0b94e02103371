/// The result slot of one unary call, resumed exactly once.
///
/// A plain class confined to the connection's event loop, instead of an `EventLoopPromise`
/// awaited through its future: the promise cost a future, a callback list, a continuation
/// box and, for a caller on the global executor, the same thread hops anyway. Every method
/// runs on the loop (``ClientConnectionHandler`` and the cancellation hop in
/// ``TTRPCClient/rawCall(service:method:payload:timeout:metadata:)`` see to it), which is why
/// it can be `@unchecked Sendable` without a lock.
final class ClientUnaryCall: @unchecked Sendable {
    private var continuation: UnsafeContinuation<Ttrpc_Response, any Error>?
    /// A result that arrived before the continuation did (a cancellation that won the race
    /// against the start of the call).
    private var early: Result<Ttrpc_Response, any Error>?
    private(set) var isDone = false
    /// The stream id once the call is on the wire; 0 before (ids are odd, never 0).
    var streamID: UInt32 = 0

    /// Hands over the caller's continuation; false when the call already ended (and the
    /// continuation was resumed here), so the caller must not send it.
    func attach(_ continuation: UnsafeContinuation<Ttrpc_Response, any Error>) -> Bool {
        if let early {
            self.early = nil
            continuation.resume(with: early)
            return false
        }
        self.continuation = continuation
        return true
    }

    func succeed(_ response: Ttrpc_Response) { complete(.success(response)) }

    func fail(_ error: TTRPCError) { complete(.failure(error)) }

    private func complete(_ result: Result<Ttrpc_Response, any Error>) {
        guard !isDone else { return }
        isDone = true
        if let continuation {
            self.continuation = nil
            continuation.resume(with: result)
        } else {
            early = result
        }
    }
}
