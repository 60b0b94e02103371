import Foundation
import Logging
import NIOCore

/// Serves ttrpc requests on one connection: frames in, one task per call, frames out.
///
/// Runs on the channel's event loop; each call runs as a `Task` so handlers are plain async
/// code. The task prefers the loop as its executor, so a handler that awaits nothing else runs
/// and answers on the loop thread; a call that finished elsewhere hops back to the loop to write
/// its response and update the ``ServerConnectionStateMachine``.
final class ServerConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = FrameEvent
    typealias OutboundOut = Frame

    private let router: ServiceRouter
    private let logger: Logger
    private let peer: PeerInfo
    private var state: ServerConnectionStateMachine<Task<Void, Never>>
    /// Shared by every connection of the server: bounds the calls running server-wide.
    private let callBudget: CallBudget
    private var context: ChannelHandlerContext?
    /// Runs each call's task on this connection's event loop (set in `handlerAdded`).
    private var executor: EventLoopTaskExecutor?
    /// The latest answer handed to the channel; a drain closes only once it is written.
    private var lastResponseWrite: EventLoopFuture<Void>?

    init(router: ServiceRouter, peer: PeerInfo, logger: Logger, maxInFlight: Int, callBudget: CallBudget) {
        self.router = router
        self.peer = peer
        self.logger = logger
        self.state = ServerConnectionStateMachine(maxInFlight: maxInFlight)
        self.callBudget = callBudget
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if executor == nil { executor = EventLoopTaskExecutor(context.eventLoop) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .oversized(let header):
            let message = "message length \(header.length) exceed maximum message size of \(FrameHeader.maxPayloadLength)"
            writeResponse(streamID: header.streamID, error: TTRPCError(code: .resourceExhausted, message: message))
        case .frame(let frame):
            guard frame.type == .request else {
                // Go ignores every other type "for future compat"; client data frames are only
                // meaningful for client streaming, which this server does not offer.
                logger.trace("ttrpc: ignoring frame", metadata: ["type": "\(frame.type)", "stream": "\(frame.streamID)"])
                return
            }
            handleRequest(frame, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for task in state.channelClosed() { task.cancel() }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if TTRPCError.isTLSFailure(error), !TTRPCError.isUncleanTLSShutdown(error) {
            // A failed handshake (plaintext peer, unknown CA, missing client certificate)
            // closes only this connection; operators need to see why a peer cannot connect.
            logger.info("ttrpc: TLS failed, closing connection", metadata: ["error": "\(error)", "peer": "\(peer)"])
        } else {
            logger.debug("ttrpc: connection error", metadata: ["error": "\(error)", "peer": "\(peer)"])
        }
        context.close(promise: nil)
    }

    /// Graceful shutdown of this connection; must run on the event loop.
    func beginDrain() {
        if state.beginDrain() == .close { closeAfterWrites() }
    }

    /// How long a draining connection waits for its last answers to reach a client that does
    /// not read, before it is closed anyway (so a stuck peer cannot hold a shutdown forever).
    static let drainWriteGrace: TimeAmount = .seconds(10)

    /// Closes once the answers written so far are out. Closing a channel drops the writes it
    /// still queues, and a large answer (a 5,000-copier open) is still queued when its handler
    /// returns: closing at once cut it mid-frame (issue 10), although its input was journaled.
    private func closeAfterWrites() {
        guard let context else { return }
        guard let last = lastResponseWrite else { return context.close(promise: nil) }
        let channel = context.channel
        let grace = channel.eventLoop.scheduleTask(in: Self.drainWriteGrace) { channel.close(promise: nil) }
        last.whenComplete { _ in
            grace.cancel()
            channel.close(promise: nil)
        }
    }

    private func handleRequest(_ frame: Frame, context: ChannelHandlerContext) {
        let request: Ttrpc_Request
        do {
            request = try Ttrpc_Request(serializedBytes: ProtobufByteBuffer(frame.payload))
        } catch {
            writeResponse(
                streamID: frame.streamID,
                error: TTRPCError(code: .invalidArgument, message: "unmarshal request error: \(error)"))
            return
        }
        switch state.receivedRequest(streamID: frame.streamID) {
        case .drop:
            return
        case .reject(let error):
            writeResponse(streamID: frame.streamID, error: error)
        case .start:
            guard callBudget.tryAcquire() else {
                writeResponse(streamID: frame.streamID, error: callBudget.refusal)
                return
            }
            startCall(request, streamID: frame.streamID, channel: context.channel)
        }
    }

    private func startCall(_ request: Ttrpc_Request, streamID: UInt32, channel: any Channel) {
        // Go: zero means no deadline; a negative timeout is already expired.
        let deadline: ContinuousClock.Instant? =
            request.timeoutNano != 0 ? ContinuousClock.now + .nanoseconds(request.timeoutNano) : nil
        let callContext = CallContext(
            service: request.service, method: request.method, metadata: TTRPCMetadata(wire: request.metadata),
            deadline: deadline, peer: peer, streamID: streamID, baseLogger: logger, addsCallMetadata: true)
        let call = ServerCall(
            streamID: streamID, channel: channel, connection: NIOLoopBound(self, eventLoop: channel.eventLoop),
            router: router, callBudget: callBudget)
        // On the loop's executor a handler that does not await anything else runs and answers
        // without leaving the loop thread (no wake-up of a pool thread and back).
        let task =
            executor.map { Task(executorPreference: $0) { await call.run(request, callContext) } }
            ?? Task { await call.run(request, callContext) }
        state.callStarted(streamID: streamID, handle: task)
    }

    /// Writes a finished call's response; on the loop (``ServerCall`` hops here if needed).
    func finishCall(streamID: UInt32, response: Ttrpc_Response) {
        guard state.state != .closed else { return }
        write(streamID: streamID, response: response)
        if state.callFinished(streamID: streamID) == .close {
            closeAfterWrites()
        }
    }

    private func writeResponse(streamID: UInt32, error: TTRPCError) {
        var response = Ttrpc_Response()
        response.status = error.rpcStatus
        write(streamID: streamID, response: response)
    }

    private func write(streamID: UInt32, response: Ttrpc_Response) {
        guard let context else { return }
        do {
            var bytes: ProtobufByteBuffer = try response.serializedBytes()
            if bytes.count > FrameHeader.maxPayloadLength {
                // The client would refuse the frame anyway; tell it why instead.
                var refusal = Ttrpc_Response()
                refusal.status = TTRPCError(
                    code: .resourceExhausted,
                    message: "message length \(bytes.count) exceed maximum message size of \(FrameHeader.maxPayloadLength)"
                ).rpcStatus
                bytes = try refusal.serializedBytes()
            }
            let frame = Frame(streamID: streamID, type: .response, payload: bytes.buffer)
            // Writes complete in order: the last one done means every answer before it is out.
            lastResponseWrite = context.writeAndFlush(wrapOutboundOut(frame))
        } catch {
            logger.error("ttrpc: failed marshaling response", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }
}
