import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A ttrpc server: listens on one address (or serves inherited sockets) and dispatches calls
/// to registered ``ServiceDefinition``s.
///
/// Lifecycle: ``bind()`` (optional, to learn the address early), ``run()`` until
/// ``shutdown()`` has stopped the listener and every connection has drained, or ``close()``
/// to drop connections at once.
public final class TTRPCServer: Sendable {
    let router: ServiceRouter
    let address: TTRPCAddress?
    let configuration: TTRPCServerConfiguration
    let logger: Logger
    let group: any EventLoopGroup
    let state = Mutex(State())
    /// Completed by ``shutdown()`` or ``close()``; what ``run()`` waits for.
    let shutdownRequested: EventLoopPromise<Void>
    /// The calls running over all connections (``TTRPCServerConfiguration/maxConcurrentCalls``).
    let callBudget: CallBudget
    /// "refusing connection", at most once per ``TTRPCServerConfiguration/refusalLogInterval``.
    let refusalLog: RateLimitedLog
    /// "accept failed", at most once per ``TTRPCServerConfiguration/refusalLogInterval``.
    let acceptFailureLog: RateLimitedLog

    struct State {
        var listener: (any Channel)?
        var boundAddress: TTRPCAddress?
        var connections: [ObjectIdentifier: ConnectionRef] = [:]
        var shuttingDown = false
    }

    /// What the server keeps of a live connection: enough to drain it.
    struct ConnectionRef: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ServerConnectionHandler>

        func drain() {
            channel.eventLoop.execute { handler.value.beginDrain() }
        }
    }

    /// - Parameters:
    ///   - address: where to listen; nil for a server that only serves inherited sockets.
    ///   - services: the services to offer; health is added automatically.
    public init(
        address: TTRPCAddress?,
        services: [ServiceDefinition],
        configuration: TTRPCServerConfiguration = TTRPCServerConfiguration(),
        logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.router = ServiceRouter(services: services, requiredToken: configuration.requiredToken,
                                    onInternalError: configuration.onInternalError)
        self.address = address
        self.configuration = configuration
        self.logger = logger
        self.group = group
        self.shutdownRequested = group.next().makePromise()
        self.callBudget = CallBudget(limit: configuration.maxConcurrentCalls)
        self.refusalLog = RateLimitedLog(.warning, "ttrpc: refusing connection", interval: configuration.refusalLogInterval)
        self.acceptFailureLog = RateLimitedLog(
            .warning, "ttrpc: accept failed, pausing the listener", interval: configuration.refusalLogInterval)
    }

    deinit {
        // NIO traps on unfulfilled promises; a server dropped without shutdown is fine.
        shutdownRequested.succeed()
    }

    /// Names answered SERVING by the health service (besides "").
    public var serviceNames: [String] { router.serviceNames }

    /// The address actually bound (with the real port for `tcp:…:0`); nil before ``bind()``.
    public var boundAddress: TTRPCAddress? { state.withLock { $0.boundAddress } }

    /// Number of open connections, for tests and diagnostics.
    public var connectionCount: Int { state.withLock { $0.connections.count } }

    /// Serves until ``shutdown()`` or ``close()``; binds first if ``bind()`` was not called.
    /// Returns once the listener is closed and all connections are gone.
    /// Cancelling the calling task closes the server forcefully (in-flight calls are cancelled).
    public func run() async throws {
        try await withTaskCancellationHandler {
            if address != nil {
                try await bind()
            }
            try await shutdownRequested.futureResult.get()
            if let listener = state.withLock({ $0.listener }) {
                try? await listener.closeFuture.get()
            }
            await waitForConnections()
        } onCancel: {
            close()
        }
    }

    /// Graceful shutdown: stop accepting, let in-flight calls finish, then close each
    /// connection. Requests arriving meanwhile get UNAVAILABLE.
    ///
    /// Returns once the listener is closed (no new connection can arrive); ``run()`` returns
    /// when the drain is complete.
    public func shutdown() async {
        let (listener, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.listener, Array(state.connections.values))
        }
        for connection in connections { connection.drain() }
        shutdownRequested.succeed()
        try? await listener?.close()
    }

    /// Forceful shutdown: close the listener and every connection now; in-flight calls are
    /// cancelled.
    public func close() {
        let (listener, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.listener, Array(state.connections.values))
        }
        listener?.close(promise: nil)
        for connection in connections { connection.channel.close(promise: nil) }
        shutdownRequested.succeed()
    }

    /// Serves one already-connected socket (e.g. fd 3 inherited by a plugin) until it closes.
    /// The server takes ownership of the descriptor.
    public func serveConnection(descriptor: CInt) async throws {
        try configuration.validate()
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { [self] channel in
                initializeConnection(channel, checkCredentials: !(channel.localAddress?.protocol == .inet
                    || channel.localAddress?.protocol == .inet6))
            }
            .withConnectedSocket(descriptor)
            .get()
        try? await channel.closeFuture.get()
    }

    private func waitForConnections() async {
        while let next = state.withLock({ $0.connections.values.first }) {
            try? await next.channel.closeFuture.get()
            // closeFuture callbacks registered at accept time remove the entry first; make
            // sure even a late removal cannot spin this loop.
            _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(next.channel)) }
        }
    }
}
