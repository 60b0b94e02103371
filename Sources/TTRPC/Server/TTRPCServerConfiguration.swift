import NIOCore

/// Knobs of a ``TTRPCServer`` that are not the services themselves.
public struct TTRPCServerConfiguration: Sendable {
    /// Who may connect over a Unix socket (checked with SO_PEERCRED right after accept).
    public var peerUIDPolicy: PeerUIDPolicy = .sameUser
    /// Permission bits of the socket file; 0600 keeps other users from even connecting.
    public var socketFileMode: UInt32 = 0o600
    /// Remove the socket file when the listener closes.
    public var removeSocketFileOnShutdown = true
    /// Runs first on every new connection, before the ttrpc handlers are added: the place to
    /// put a TLS handler (or a test probe) at the head of the pipeline.
    public var configureConnection: (@Sendable (any Channel) throws -> Void)?
    /// TLS for every connection (a ``TTRPCTLSConfiguration/server(certificateChainFile:privateKeyFile:trustRootsFile:requireClientCertificate:)``
    /// configuration). The TLS handler goes after the `configureConnection` handlers, in front
    /// of the frame codec. Meant for TCP; allowed on a Unix socket too. A failed handshake
    /// closes only that connection.
    public var tls: TTRPCTLSConfiguration?
    /// When set, every request must carry metadata `authorization: Bearer <token>` or it is
    /// answered UNAUTHENTICATED "missing or invalid token". The health service is exempt so
    /// load balancers can probe without the token. See ``TTRPCToken``.
    public var requiredToken: String?
    /// Called when a handler's call ends INTERNAL or UNKNOWN (a bug or a failed dependency, never
    /// the caller's mistake), with the service and method; the server has already logged it at
    /// error. The embedding program counts it here; ttrpc itself keeps no metrics.
    public var onInternalError: (@Sendable (_ service: String, _ method: String) -> Void)?
    /// How long a frame may take from its first byte to its last. A peer that sends half a
    /// frame and stalls (or trickles it) would otherwise hold a descriptor and a buffer
    /// forever; past this its connection is closed. 10 s carries a 4 MiB frame at 420 KB/s.
    public var incompleteFrameTimeout: Duration = .seconds(10)
    /// Requests one connection may have in flight; one more is answered RESOURCE_EXHAUSTED at
    /// once instead of queueing, so a pipelining peer cannot make every other client wait.
    public var maxInFlightRequestsPerConnection = 128
    /// Calls the whole server runs at once, over all connections; one more is answered
    /// RESOURCE_EXHAUSTED at once. Bounds memory and queueing when many peers pipeline.
    public var maxConcurrentCalls = 4096
    /// At most one "refusing connection" warning per interval; the next one counts the
    /// refusals it stood for, so a flood of refused peers cannot fill the log.
    public var refusalLogInterval: Duration = .seconds(10)
    /// How long the listener stops accepting after accept failed (at the descriptor limit,
    /// out of memory): without a pause the accept loop spins at 100% CPU.
    public var acceptBackoff: Duration = .seconds(1)

    public init(
        peerUIDPolicy: PeerUIDPolicy = .sameUser,
        socketFileMode: UInt32 = 0o600,
        removeSocketFileOnShutdown: Bool = true,
        tls: TTRPCTLSConfiguration? = nil,
        requiredToken: String? = nil,
        incompleteFrameTimeout: Duration = .seconds(10),
        maxInFlightRequestsPerConnection: Int = 128,
        maxConcurrentCalls: Int = 4096,
        refusalLogInterval: Duration = .seconds(10),
        acceptBackoff: Duration = .seconds(1),
        configureConnection: (@Sendable (any Channel) throws -> Void)? = nil
    ) {
        self.peerUIDPolicy = peerUIDPolicy
        self.socketFileMode = socketFileMode
        self.removeSocketFileOnShutdown = removeSocketFileOnShutdown
        self.tls = tls
        self.requiredToken = requiredToken
        self.incompleteFrameTimeout = incompleteFrameTimeout
        self.maxInFlightRequestsPerConnection = maxInFlightRequestsPerConnection
        self.maxConcurrentCalls = maxConcurrentCalls
        self.refusalLogInterval = refusalLogInterval
        self.acceptBackoff = acceptBackoff
        self.configureConnection = configureConnection
    }

    /// Refuses settings that would silently weaken the server (checked before serving).
    func validate() throws(TTRPCError) {
        if let tls, tls.role != .server {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: tls: a client TLS configuration was given to a server")
        }
        if let requiredToken {
            try TTRPCToken.validate(requiredToken, source: "requiredToken")
        }
        func positive(_ value: Duration, _ name: String) throws(TTRPCError) {
            guard value > .zero else {
                throw TTRPCError(code: .invalidArgument, message: "ttrpc: \(name) must be positive, got \(value)")
            }
        }
        try positive(incompleteFrameTimeout, "incompleteFrameTimeout")
        try positive(acceptBackoff, "acceptBackoff")
        guard refusalLogInterval >= .zero else {
            throw TTRPCError(
                code: .invalidArgument, message: "ttrpc: refusalLogInterval must not be negative, got \(refusalLogInterval)")
        }
        guard maxInFlightRequestsPerConnection > 0 else {
            throw TTRPCError(
                code: .invalidArgument,
                message: "ttrpc: maxInFlightRequestsPerConnection must be positive, got \(maxInFlightRequestsPerConnection)")
        }
        guard maxConcurrentCalls > 0 else {
            throw TTRPCError(
                code: .invalidArgument, message: "ttrpc: maxConcurrentCalls must be positive, got \(maxConcurrentCalls)")
        }
    }
}
