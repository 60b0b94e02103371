import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SwiftProtobuf
import Synchronization

/// A ttrpc client over one connection; any number of calls may run concurrently on it.
///
/// Calls are matched to responses by stream id inside ``ClientConnectionHandler``; this type
/// only encodes requests, awaits results and decodes them.
public final class TTRPCClient: Sendable {
    let channel: any Channel
    let logger: Logger
    /// Sent as `authorization: Bearer <token>` with every call (``TTRPCToken``).
    let token: String?
    /// Set when TLS failed on this connection.
    let tlsFailure: TLSFailureRecord?

    /// A task executor on this connection's event loop; see ``executor``.
    let loopExecutor: EventLoopTaskExecutor
    /// The connection's call multiplexer, called directly on the loop (see its doc comment).
    let handler: NIOLoopBound<ClientConnectionHandler>

    init(
        channel: any Channel, handler: NIOLoopBound<ClientConnectionHandler>, logger: Logger, token: String? = nil,
        tlsFailure: TLSFailureRecord? = nil
    ) {
        self.channel = channel
        self.handler = handler
        self.loopExecutor = EventLoopTaskExecutor(channel.eventLoop)
        self.logger = logger
        self.token = token
        self.tlsFailure = tlsFailure
    }

    deinit {
        // A dropped client must not leave its socket open.
        channel.close(promise: nil)
    }

    /// Runs first on a new client channel, before the TLS and ttrpc handlers.
    public typealias ConnectionConfigurator = @Sendable (any Channel) throws -> Void

    /// Connects to `address`.
    ///
    /// - Parameters:
    ///   - connectTimeout: bounds the TCP connect and, with `tls`, the TLS handshake.
    ///   - tls: a ``TTRPCTLSConfiguration/client(trustRootsFile:certificateChainFile:privateKeyFile:serverName:)``
    ///     configuration. The call returns once the handshake is done; a failed handshake
    ///     throws UNAVAILABLE "ttrpc: TLS failed: …". (With TLS 1.3 a server that refuses the
    ///     client's certificate says so after the handshake: the first call fails that way.)
    ///   - token: sent as `authorization: Bearer <token>` with every call, unless the call's
    ///     metadata already has an `authorization` entry.
    public static func connect(
        to address: TTRPCAddress, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(10),
        tls: TTRPCTLSConfiguration? = nil,
        token: String? = nil,
        configureConnection: ConnectionConfigurator? = nil
    ) async throws -> TTRPCClient {
        if let token { try TTRPCToken.validate(token, source: "client token") }
        let verifiedName = try tls?.verifiedName(for: address)
        let tlsFailure = tls.map { _ in TLSFailureRecord() }
        let slot = HandlerSlot()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                Self.initialize(
                    channel, logger: logger, slot: slot, configure: configureConnection,
                    tls: tls.map { ($0, verifiedName ?? "", connectTimeout, tlsFailure ?? TLSFailureRecord()) })
            }
        let channel: any Channel
        do {
            switch address {
            case .unix(let path):
                channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
            case .tcp(let host, let port):
                channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            throw TTRPCError(code: .unavailable, message: "ttrpc: connect to \(address) failed: \(error)", cause: error)
        }
        if tls != nil {
            do {
                try await channel.eventLoop.flatSubmit {
                    do {
                        return try channel.pipeline.syncOperations.handler(type: TLSClientHandshakeHandler.self).handshake
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }.get()
            } catch {
                channel.close(promise: nil)
                let status = TTRPCError.connectionFailure(error, doing: "TLS failed")
                let reason = status.message.hasPrefix("ttrpc: ") ? String(status.message.dropFirst(7)) : status.message
                throw TTRPCError(
                    code: .unavailable, message: "ttrpc: connect to \(address): \(reason)", cause: status.cause ?? error)
            }
        }
        return TTRPCClient(channel: channel, handler: try slot.take(), logger: logger, token: token, tlsFailure: tlsFailure)
    }

    /// Uses an already-connected socket (e.g. fd 3 handed to a plugin); the client owns it.
    public static func connect(
        descriptor: CInt, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        token: String? = nil,
        configureConnection: ConnectionConfigurator? = nil
    ) async throws -> TTRPCClient {
        if let token { try TTRPCToken.validate(token, source: "client token") }
        let slot = HandlerSlot()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                Self.initialize(channel, logger: logger, slot: slot, configure: configureConnection, tls: nil)
            }
            .withConnectedSocket(descriptor)
            .get()
        return TTRPCClient(channel: channel, handler: try slot.take(), logger: logger, token: token)
    }

    /// Hands the connection's ``ClientConnectionHandler`` from the channel initializer (on the
    /// loop) to `connect`. Taken at set-up rather than looked up in the pipeline afterwards,
    /// because a connection that closes at once (a TLS 1.3 refusal) has emptied its pipeline by
    /// then, and that must fail the first call, not `connect`.
    private final class HandlerSlot: Sendable {
        private let handler = Mutex<NIOLoopBound<ClientConnectionHandler>?>(nil)

        func set(_ value: NIOLoopBound<ClientConnectionHandler>) { handler.withLock { $0 = value } }

        func take() throws -> NIOLoopBound<ClientConnectionHandler> {
            guard let value = handler.withLock({ $0 }) else {
                throw TTRPCError(code: .internal, message: "ttrpc: client pipeline was not set up")
            }
            return value
        }
    }

    /// Pipeline, head to tail: `configure` handlers, TLS (client handler and handshake
    /// watcher), decoder, encoder, call multiplexer.
    private static func initialize(
        _ channel: any Channel, logger: Logger, slot: HandlerSlot, configure: ConnectionConfigurator?,
        tls: (configuration: TTRPCTLSConfiguration, verifiedName: String, timeout: TimeAmount, failure: TLSFailureRecord)?
    ) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            try configure?(channel)
            if let tls {
                try channel.pipeline.syncOperations.addHandlers([
                    try tls.configuration.makeClientHandler(verifying: tls.verifiedName),
                    TLSClientHandshakeHandler(
                        eventLoop: channel.eventLoop, timeout: tls.timeout, verifiedName: tls.verifiedName,
                        failureRecord: tls.failure),
                ])
            }
            let handler = ClientConnectionHandler(logger: logger)
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(FrameDecoder()),
                MessageToByteHandler(FrameEncoder()),
                handler,
            ])
            slot.set(NIOLoopBound(handler, eventLoop: channel.eventLoop))
        }
    }

    /// Closes the connection; pending calls fail with UNAVAILABLE.
    public func close() async {
        try? await channel.close()
    }

    /// A task executor bound to this connection's event loop.
    ///
    /// A caller that makes many calls in a row can run them with
    /// `withTaskExecutorPreference(client.executor) { … }` (or
    /// `Task(executorPreference: client.executor) { … }`): the request is then written and the
    /// response resumes the caller on the loop thread, without the two thread hand-offs
    /// (caller → loop → caller) a call from the global executor costs. Code in that scope runs on
    /// the event loop, so it must not block.
    public var executor: EventLoopTaskExecutor { loopExecutor }

    /// True until the connection closes.
    public var isActive: Bool { channel.isActive }

    /// A unary call with typed messages.
    ///
    /// - Parameter timeout: sent as `timeout_nano` so the server cancels the handler, and
    ///   enforced locally: the call fails with DEADLINE_EXCEEDED when it passes.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String, method: String, request: Request, responseType: Response.Type = Response.self,
        timeout: Duration? = nil, metadata: TTRPCMetadata = [:]
    ) async throws -> Response {
        let payload: Data
        do {
            payload = try request.serializedBytes()
        } catch {
            throw TTRPCError(code: .internal, message: "ttrpc: error marshaling payload: \(error)", cause: error)
        }
        let bytes = try await rawCall(service: service, method: method, payload: payload, timeout: timeout, metadata: metadata)
        do {
            return try Response(serializedBytes: bytes)
        } catch {
            throw TTRPCError(code: .internal, message: "ttrpc: error unmarshalling response: \(error)", cause: error)
        }
    }

    /// A unary call with an already-encoded payload; returns the response payload.
    ///
    /// From a task whose executor preference is ``executor`` the request is written and the
    /// caller resumed on the loop thread with no hop; from anywhere else it costs one hop to
    /// the loop to write and one back to resume.
    public func rawCall(
        service: String, method: String, payload: Data, timeout: Duration? = nil, metadata: TTRPCMetadata = [:]
    ) async throws -> Data {
        let request = try encodeRequest(service: service, method: method, payload: payload, timeout: timeout, metadata: metadata)
        let call = ClientUnaryCall()
        let eventLoop = channel.eventLoop
        let handler = self.handler
        let response: Ttrpc_Response
        do {
            response = try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { continuation in
                    let timeout = timeout.map(TimeAmount.init)
                    eventLoop.runOnLoop {
                        if call.attach(continuation) {
                            handler.value.start(request: request, flags: [], timeout: timeout, responder: .unary(call))
                        }
                    }
                }
            } onCancel: {
                eventLoop.runOnLoop { handler.value.cancel(call) }
            }
        } catch let error as TTRPCError where error.code == .unavailable {
            // A connection that TLS closed says so, whichever path noticed the close first.
            throw tlsFailure?.value ?? error
        }
        if let error = TTRPCError(status: response.status) { throw error }
        return response.payload
    }

    /// A server-streaming call: the messages the server sends, in order, ending when it sends
    /// its final status (throwing it if not OK).
    ///
    /// ttrpc has no cancel frame, so ending iteration early only stops delivery locally; the
    /// server stops when its handler ends or the connection closes.
    public func serverStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String, method: String, request: Request, responseType: Response.Type = Response.self,
        timeout: Duration? = nil, metadata: TTRPCMetadata = [:]
    ) -> AsyncThrowingStream<Response, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Response, any Error>.makeStream()
        let encoded: ByteBuffer
        do {
            let payload: Data = try request.serializedBytes()
            encoded = try encodeRequest(service: service, method: method, payload: payload, timeout: timeout, metadata: metadata)
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        let sink = ClientStreamSink(
            yield: { buffer in
                do {
                    continuation.yield(try Response(serializedBytes: Data(buffer.readableBytesView)))
                } catch {
                    continuation.finish(throwing: TTRPCError(
                        code: .internal, message: "ttrpc: error unmarshalling stream message: \(error)", cause: error))
                }
            },
            finish: { [tlsFailure] error in
                // As for unary calls: a connection that TLS closed says so.
                let error = error.map { $0.code == .unavailable ? tlsFailure?.value ?? $0 : $0 }
                continuation.finish(throwing: error)
            })
        // The request closes our side at once: server streaming sends no client data.
        let timeout = timeout.map(TimeAmount.init)
        let handler = self.handler
        channel.eventLoop.execute {
            handler.value.start(request: encoded, flags: .remoteClosed, timeout: timeout, responder: .stream(sink))
        }
        return stream
    }

    /// `grpc.health.v1.Health/Check` for `service` ("" asks about the server as a whole).
    public func healthCheck(service: String = "", timeout: Duration? = .seconds(5)) async throws
        -> Grpc_Health_V1_HealthCheckResponse.ServingStatus
    {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        let response = try await call(
            service: ServiceDefinition.healthServiceName, method: "Check", request: request,
            responseType: Grpc_Health_V1_HealthCheckResponse.self, timeout: timeout)
        return response.status
    }

    /// Builds the `ttrpc.Request` bytes, refusing locally what the server would refuse.
    private func encodeRequest(
        service: String, method: String, payload: Data, timeout: Duration?, metadata: TTRPCMetadata
    ) throws -> ByteBuffer {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = payload
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            request.timeoutNano = max(1, seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
        }
        var metadata = metadata
        if let token, metadata[TTRPCToken.metadataKey] == nil {
            metadata.add(TTRPCToken.metadataKey, TTRPCToken.metadataValue(for: token))
        }
        request.metadata = metadata.wire
        let bytes: ProtobufByteBuffer = try request.serializedBytes()
        guard bytes.count <= FrameHeader.maxPayloadLength else {
            throw TTRPCError(
                code: .resourceExhausted,
                message: "message length \(bytes.count) exceed maximum message size of \(FrameHeader.maxPayloadLength)")
        }
        return bytes.buffer
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(max(0, seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000))
    }
}
