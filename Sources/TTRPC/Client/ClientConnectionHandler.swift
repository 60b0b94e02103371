import Foundation
import Logging
import NIOCore

/// How a pending call wants its result.
enum ClientResponder: Sendable {
    case unary(ClientUnaryCall)
    case stream(ClientStreamSink)

    /// Only on the connection's event loop (``ClientUnaryCall`` is loop-confined).
    func fail(_ error: TTRPCError) {
        switch self {
        case .unary(let call): call.fail(error)
        case .stream(let sink): sink.finish(error)
        }
    }
}

/// Receives the frames of one server-streaming call.
struct ClientStreamSink: Sendable {
    let yield: @Sendable (ByteBuffer) -> Void
    let finish: @Sendable (TTRPCError?) -> Void
}

/// Multiplexes calls on one client connection: assigns stream ids, matches responses and
/// enforces client-side deadlines, all on the event loop.
///
/// ``TTRPCClient`` starts calls by calling ``start(request:flags:timeout:responder:)`` on the
/// loop rather than writing a message down the pipeline: that saves the outbound message box,
/// a write promise and its callbacks per call, and lets a caller already on the loop (task
/// executor preference ``TTRPCClient/executor``) write its request without any hop.
final class ClientConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = Frame

    private struct PendingCall {
        var responder: ClientResponder
        var timer: Scheduled<Void>?
    }

    private var table = ClientCallTable<PendingCall>()
    private let logger: Logger
    /// Set while the handler is in the pipeline; nil once the channel is torn down.
    private var context: ChannelHandlerContext?

    init(logger: Logger) {
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        failAll(TTRPCError(code: .unavailable, message: "ttrpc: connection closed"))
    }

    /// Sends a request frame on a new stream; must run on the event loop.
    ///
    /// The write takes no promise: a write that fails makes NIO close the channel, and
    /// ``channelInactive(context:)`` then fails every pending call, this one included.
    func start(request: ByteBuffer, flags: FrameFlags, timeout: TimeAmount?, responder: ClientResponder) {
        guard let context else {
            responder.fail(TTRPCError(code: .unavailable, message: "ttrpc: connection closed"))
            return
        }
        switch table.start(PendingCall(responder: responder)) {
        case .fail(let error):
            responder.fail(error)
        case .send(let streamID):
            if case .unary(let call) = responder { call.streamID = streamID }
            if let timeout {
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                let timer = context.eventLoop.scheduleTask(in: timeout) {
                    loopBound.value.expire(streamID)
                }
                table.update(streamID) { $0.timer = timer }
            }
            let frame = Frame(streamID: streamID, type: .request, flags: flags, payload: request)
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        }
    }

    /// The caller's task was cancelled: the call fails CANCELLED at once and a late response
    /// is dropped (ttrpc has no cancel frame; the server learns of it only by its deadline).
    func cancel(_ call: ClientUnaryCall) {
        if call.streamID != 0 { table.finish(call.streamID)?.timer?.cancel() }
        call.fail(TTRPCError(code: .cancelled, message: "context canceled"))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .oversized(let header):
            complete(header.streamID, with: TTRPCError(
                code: .resourceExhausted,
                message: "message length \(header.length) exceed maximum message size of \(FrameHeader.maxPayloadLength)"))
        case .frame(let frame) where frame.type == .response:
            guard let entry = table.finish(frame.streamID) else { return }
            entry.timer?.cancel()
            let response: Ttrpc_Response
            do {
                response = try Ttrpc_Response(serializedBytes: ProtobufByteBuffer(frame.payload))
            } catch {
                entry.responder.fail(TTRPCError(code: .internal, message: "ttrpc: invalid response: \(error)", cause: error))
                return
            }
            switch entry.responder {
            case .unary(let call):
                call.succeed(response)
            case .stream(let sink):
                // The final response ends a stream; a non-OK status is its error.
                sink.finish(TTRPCError(status: response.status))
            }
        case .frame(let frame) where frame.type == .data:
            guard case .stream(let sink)? = table.responder(for: frame.streamID)?.responder else { return }
            if !frame.flags.contains(.noData) {
                sink.yield(frame.payload)
            }
            if frame.flags.contains(.remoteClosed) {
                // The server closed its side without a response; treat as a clean end.
                table.finish(frame.streamID)?.timer?.cancel()
                sink.finish(nil)
            }
        case .frame(let frame):
            logger.trace("ttrpc client: ignoring frame", metadata: ["type": "\(frame.type)"])
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(TTRPCError(code: .unavailable, message: "ttrpc: connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("ttrpc client: connection error", metadata: ["error": "\(error)"])
        failAll(TTRPCError.connectionFailure(error, doing: "connection error"))
        context.close(promise: nil)
    }

    private func failAll(_ error: TTRPCError) {
        for entry in table.close() {
            entry.timer?.cancel()
            entry.responder.fail(error)
        }
    }

    private func expire(_ streamID: UInt32) {
        table.finish(streamID)?.responder.fail(TTRPCError(code: .deadlineExceeded, message: "context deadline exceeded"))
    }

    private func complete(_ streamID: UInt32, with error: TTRPCError) {
        guard let entry = table.finish(streamID) else { return }
        entry.timer?.cancel()
        entry.responder.fail(error)
    }
}
