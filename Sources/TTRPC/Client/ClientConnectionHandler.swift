import Foundation
import Logging
import NIOCore

/// How a pending call wants its result.
enum ClientResponder: Sendable {
    case unary(EventLoopPromise<Ttrpc_Response>)
    case stream(ClientStreamSink)

    func fail(_ error: TTRPCError) {
        switch self {
        case .unary(let promise): promise.fail(error)
        case .stream(let sink): sink.finish(error)
        }
    }
}

/// Receives the frames of one server-streaming call.
struct ClientStreamSink: Sendable {
    let yield: @Sendable (ByteBuffer) -> Void
    let finish: @Sendable (TTRPCError?) -> Void
}

/// A call to start, written into the client channel by ``TTRPCClient``.
struct ClientCallStart: Sendable {
    /// The encoded `ttrpc.Request`.
    var request: ByteBuffer
    var flags: FrameFlags
    var timeout: TimeAmount?
    var responder: ClientResponder
}

/// Multiplexes calls on one client connection: assigns stream ids, matches responses and
/// enforces client-side deadlines, all on the event loop.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundIn = ClientCallStart
    typealias OutboundOut = Frame

    private struct PendingCall {
        var responder: ClientResponder
        var timer: Scheduled<Void>?
    }

    private var table = ClientCallTable<PendingCall>()
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let start = unwrapOutboundIn(data)
        switch table.start(PendingCall(responder: start.responder)) {
        case .fail(let error):
            start.responder.fail(error)
            promise?.fail(error)
        case .send(let streamID):
            if let timeout = start.timeout {
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                let timer = context.eventLoop.scheduleTask(in: timeout) {
                    loopBound.value.expire(streamID)
                }
                table.update(streamID) { $0.timer = timer }
            }
            let frame = Frame(streamID: streamID, type: .request, flags: start.flags, payload: start.request)
            let written = context.eventLoop.makePromise(of: Void.self)
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            written.futureResult.whenFailure { error in
                loopBound.value.complete(streamID, with: TTRPCError.connectionFailure(error, doing: "send failed"))
            }
            written.futureResult.cascade(to: promise)
            context.write(wrapOutboundOut(frame), promise: written)
        }
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
            case .unary(let promise):
                promise.succeed(response)
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
