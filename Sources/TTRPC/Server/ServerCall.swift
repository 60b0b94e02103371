import Foundation
import NIOCore
import Synchronization

/// What one server call's task needs, in one object.
///
/// Before, `startCall` captured these in two closures and a `Mutex` box, three allocations per
/// call on top of the task; the ``sendData(_:)`` method is the stream writer handlers get.
final class ServerCall: Sendable {
    let streamID: UInt32
    let channel: any Channel
    let connection: NIOLoopBound<ServerConnectionHandler>
    let router: ServiceRouter
    let callBudget: CallBudget
    /// Set once the handler returned: a writer that escaped its handler must not send data
    /// after the final response.
    private let finished = Atomic<Bool>(false)

    init(
        streamID: UInt32, channel: any Channel, connection: NIOLoopBound<ServerConnectionHandler>,
        router: ServiceRouter, callBudget: CallBudget
    ) {
        self.streamID = streamID
        self.channel = channel
        self.connection = connection
        self.router = router
        self.callBudget = callBudget
    }

    /// The call's task body: runs the handler, then answers on the connection's loop.
    func run(_ request: Ttrpc_Request, _ context: CallContext) async {
        let response = await router.execute(
            service: request.service, method: request.method, payload: request.payload,
            context: context, sendData: sendData)
        finished.store(true, ordering: .releasing)
        // Given back when the handler is done, also for a call whose connection closed.
        callBudget.release()
        let (connection, streamID) = (connection, streamID)
        channel.eventLoop.runOnLoop { connection.value.finishCall(streamID: streamID, response: response) }
    }

    /// Sends one data frame of a server-streaming call.
    @Sendable func sendData(_ data: Data) async throws {
        guard !finished.load(ordering: .acquiring) else {
            throw TTRPCError(code: .failedPrecondition, message: "ttrpc: stream \(streamID) already finished")
        }
        let frame = Frame(streamID: streamID, type: .data, payload: ByteBuffer(bytes: data))
        // One frame at a time (a slow reader slows its writer); cancelling the writer stops
        // the wait, never the frame (WriteWait.swift).
        try await channel.writeAndFlush(frame).waitUnlessCancelled()
    }
}
