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
    ///
    /// Built when read, not per call: the server's calls set only ``baseLogger`` and the two
    /// metadata strings are made for the handlers that log (most never do), which saved a
    /// dictionary and two interpolated strings per call.
    public var logger: Logger {
        get {
            guard addsCallMetadata else { return baseLogger }
            var logger = baseLogger
            logger[metadataKey: "ttrpc.method"] = "/\(service)/\(method)"
            logger[metadataKey: "ttrpc.stream"] = "\(streamID)"
            return logger
        }
        set {
            baseLogger = newValue
            addsCallMetadata = false
        }
    }

    private var baseLogger: Logger
    private var addsCallMetadata: Bool

    public init(
        service: String, method: String, metadata: TTRPCMetadata = [:],
        deadline: ContinuousClock.Instant? = nil, peer: PeerInfo = PeerInfo(),
        streamID: UInt32 = 1, logger: Logger = Logger(label: "ttrpc", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.init(
            service: service, method: method, metadata: metadata, deadline: deadline, peer: peer, streamID: streamID,
            baseLogger: logger, addsCallMetadata: false)
    }

    /// The server's form: `baseLogger` is the connection's, the call's metadata is added on read.
    init(
        service: String, method: String, metadata: TTRPCMetadata, deadline: ContinuousClock.Instant?,
        peer: PeerInfo, streamID: UInt32, baseLogger: Logger, addsCallMetadata: Bool
    ) {
        self.service = service
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
        self.peer = peer
        self.streamID = streamID
        self.baseLogger = baseLogger
        self.addsCallMetadata = addsCallMetadata
    }
}
