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

    public init(
        peerUIDPolicy: PeerUIDPolicy = .sameUser,
        socketFileMode: UInt32 = 0o600,
        removeSocketFileOnShutdown: Bool = true,
        configureConnection: (@Sendable (any Channel) throws -> Void)? = nil
    ) {
        self.peerUIDPolicy = peerUIDPolicy
        self.socketFileMode = socketFileMode
        self.removeSocketFileOnShutdown = removeSocketFileOnShutdown
        self.configureConnection = configureConnection
    }
}
