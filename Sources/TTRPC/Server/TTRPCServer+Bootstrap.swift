import Logging
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TTRPCServer {
    /// Binds the listener (idempotent) and returns the bound address; for `tcp:host:0` it
    /// carries the port the kernel chose.
    @discardableResult
    public func bind() async throws -> TTRPCAddress {
        if let bound = state.withLock({ $0.boundAddress }) { return bound }
        guard let address else {
            throw TTRPCError(code: .failedPrecondition, message: "ttrpc: server has no listen address")
        }
        try configuration.validate()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    // Without it a failing accept (EMFILE at the descriptor limit) spins at 100% CPU.
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptPauseHandler(pause: configuration.acceptBackoff, log: acceptFailureLog, logger: logger),
                        name: "AcceptPauseHandler")
                }
            }
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                initializeConnection(channel, checkCredentials: isUnix(address))
            }
        let listener: any Channel
        let bound: TTRPCAddress
        switch address {
        case .unix(let path):
            listener = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            // NIO creates the file with the umask's mode; tighten it before anyone can use it.
            guard chmod(path, mode_t(configuration.socketFileMode)) == 0 else {
                let code = errno
                listener.close(promise: nil)
                throw TTRPCError(code: .internal, message: "ttrpc: chmod \(path) failed: errno \(code)")
            }
            if configuration.removeSocketFileOnShutdown {
                listener.closeFuture.whenComplete { _ in _ = unlink(path) }
            }
            bound = .unix(path: path)
        case .tcp(let host, let port):
            listener = try await bootstrap.bind(host: host, port: port).get()
            bound = .tcp(host: listener.localAddress?.ipAddress ?? host, port: listener.localAddress?.port ?? port)
        }
        let refused = state.withLock { state -> Bool in
            if state.shuttingDown || state.listener != nil { return true }
            state.listener = listener
            state.boundAddress = bound
            return false
        }
        if refused {
            listener.close(promise: nil)
            throw TTRPCError(code: .unavailable, message: "ttrpc: server already bound or shutting down")
        }
        logger.info("ttrpc server listening", metadata: [
            "address": "\(bound)", "tls": "\(configuration.tls == nil ? "off" : configuration.tls!.requiresClientCertificate ? "mutual" : "on")",
            "token": "\(configuration.requiredToken == nil ? "off" : "required")",
        ])
        return bound
    }

    private func isUnix(_ address: TTRPCAddress) -> Bool {
        if case .unix = address { return true }
        return false
    }

    /// Checks the peer, builds the pipeline and registers the connection for draining.
    ///
    /// Pipeline, head to tail: `configureConnection` handlers, `NIOSSLServerHandler` (with
    /// ``TTRPCServerConfiguration/tls``), ``IncompleteFrameTimeoutHandler``, frame decoder,
    /// frame encoder, ``ServerConnectionHandler``.
    func initializeConnection(_ channel: any Channel, checkCredentials: Bool) -> EventLoopFuture<Void> {
        let policy = configuration.peerUIDPolicy
        let credentials: EventLoopFuture<PeerCredentials?> =
            checkCredentials
            ? PeerCredentials.read(from: channel).map { Optional($0) }
            : channel.eventLoop.makeSucceededFuture(nil)
        let future = credentials.flatMapThrowing { [self] credentials in
            if checkCredentials, policy != .anyUser {
                guard let credentials, policy.allows(credentials) else {
                    throw TTRPCError(
                        code: .permissionDenied,
                        message: "ttrpc: invalid credentials: \(credentials.map { "\($0)" } ?? "unknown")")
                }
            }
            try configuration.configureConnection?(channel)
            if let tls = configuration.tls {
                try channel.pipeline.syncOperations.addHandler(tls.makeServerHandler())
            }
            let peer = PeerInfo(remoteAddress: channel.remoteAddress.map { "\($0)" }, credentials: credentials)
            var connectionLogger = logger
            connectionLogger[metadataKey: "ttrpc.peer"] = "\(peer)"
            let handler = ServerConnectionHandler(
                router: router, peer: peer, logger: connectionLogger,
                maxInFlight: configuration.maxInFlightRequestsPerConnection, callBudget: callBudget)
            try channel.pipeline.syncOperations.addHandlers([
                IncompleteFrameTimeoutHandler(timeout: TimeAmount(configuration.incompleteFrameTimeout), logger: connectionLogger),
                ByteToMessageHandler(FrameDecoder()),
                MessageToByteHandler(FrameEncoder()),
                handler,
            ])
            try register(channel: channel, handler: handler)
        }
        future.whenFailure { [logger, refusalLog] error in
            // Rate-limited: 2,000 refused peers wrote 376 KB of identical warnings (issue 10).
            refusalLog.record(logger, metadata: ["error": "\(error)"])
            channel.close(promise: nil)
        }
        return future
    }

    /// Records the connection so shutdown can drain it. A connection that arrives while the
    /// server is shutting down is refused (the initializer fails and NIO closes it): it has
    /// no calls in flight, and closing a not-yet-registered channel from here is unreliable.
    private func register(channel: any Channel, handler: ServerConnectionHandler) throws {
        let ref = ConnectionRef(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        let id = ObjectIdentifier(channel)
        let accepted = state.withLock { state -> Bool in
            guard !state.shuttingDown else { return false }
            state.connections[id] = ref
            return true
        }
        guard accepted else {
            throw TTRPCError(code: .unavailable, message: "ttrpc: server shutting down")
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
        }
    }
}
