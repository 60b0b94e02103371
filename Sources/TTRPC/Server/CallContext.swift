import Logging

/// Who is on the other end of a connection.
public struct PeerInfo: Sendable, Hashable, CustomStringConvertible {
    /// The remote socket address as NIO reports it (nil for some inherited descriptors).
    public var remoteAddress: String?
    /// Kernel-verified credentials of a Unix-socket peer (SO_PEERCRED), when known.
    public var credentials: PeerCredentials?

    public init(remoteAddress: String? = nil, credentials: PeerCredentials? = nil) {
        self.remoteAddress = remoteAddress
        self.credentials = credentials
    }

    public var description: String {
        var text = remoteAddress ?? "unknown"
        if let credentials { text += " (\(credentials))" }
        return text
    }
}

/// What a handler knows about its call besides the request message.
public struct CallContext: Sendable {
    public var service: String
    public var method: String
    /// Metadata sent with the request.
    public var metadata: TTRPCMetadata
    /// When the server stops waiting for the handler; nil when the client sent no timeout.
    public var deadline: ContinuousClock.Instant?
    public var peer: PeerInfo
    /// The stream id, useful to correlate logs with the peer's.
    public var streamID: UInt32
    /// A logger carrying the call's service, method and stream id.
    public var logger: Logger

    public init(
        service: String, method: String, metadata: TTRPCMetadata = [:],
        deadline: ContinuousClock.Instant? = nil, peer: PeerInfo = PeerInfo(),
        streamID: UInt32 = 1, logger: Logger = Logger(label: "ttrpc", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.service = service
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.streamID = streamID
        self.logger = logger
    }
}
