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

    public init(
        peerUIDPolicy: PeerUIDPolicy = .sameUser,
        socketFileMode: UInt32 = 0o600,
        removeSocketFileOnShutdown: Bool = true,
        tls: TTRPCTLSConfiguration? = nil,
        requiredToken: String? = nil,
        configureConnection: (@Sendable (any Channel) throws -> Void)? = nil
    ) {
        self.peerUIDPolicy = peerUIDPolicy
        self.socketFileMode = socketFileMode
        self.removeSocketFileOnShutdown = removeSocketFileOnShutdown
        self.tls = tls
        self.requiredToken = requiredToken
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
    }
}
