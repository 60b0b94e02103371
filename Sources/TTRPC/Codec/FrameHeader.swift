import NIOCore

/// The kind of a frame, byte 8 of the header.
///
/// A struct rather than an enum: the Go server ignores types it does not know "for future
/// compat", so the decoder must carry unknown values through instead of failing.
public struct FrameType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Opens a stream (client to server).
    public static let request = FrameType(rawValue: 0x1)
    /// Final message of a stream (server to client).
    public static let response = FrameType(rawValue: 0x2)
    /// Stream data (either direction), ttrpc 1.2.
    public static let data = FrameType(rawValue: 0x3)

    public var description: String {
        switch self {
        case .request: "request"
        case .response: "response"
        case .data: "data"
        default: "unknown(\(rawValue))"
        }
    }
}

/// Per-type flags, byte 9 of the header (see PROTOCOL.md "Streaming").
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The sender will send no more data on this stream.
    public static let remoteClosed = FrameFlags(rawValue: 0x1)
    /// Non-unary request; the sender keeps sending data.
    public static let remoteOpen = FrameFlags(rawValue: 0x2)
    /// The data frame carries no message (used to close a stream without data).
    public static let noData = FrameFlags(rawValue: 0x4)
}

/// The fixed 10-byte big-endian header that precedes every payload.
public struct FrameHeader: Sendable, Hashable {
    /// Size of the encoded header.
    public static let byteCount = 10
    /// Largest payload either side accepts: 4 MiB, as `messageLengthMax` in Go's channel.go.
    public static let maxPayloadLength = 4 << 20

    public var length: UInt32
    public var streamID: UInt32
    public var type: FrameType
    public var flags: FrameFlags

    public init(length: UInt32, streamID: UInt32, type: FrameType, flags: FrameFlags = []) {
        self.length = length
        self.streamID = streamID
        self.type = type
        self.flags = flags
    }
}

/// A decoded header with its payload.
public struct Frame: Sendable, Hashable {
    public var streamID: UInt32
    public var type: FrameType
    public var flags: FrameFlags
    public var payload: ByteBuffer

    public init(streamID: UInt32, type: FrameType, flags: FrameFlags = [], payload: ByteBuffer) {
        self.streamID = streamID
        self.type = type
        self.flags = flags
        self.payload = payload
    }

    public var header: FrameHeader {
        FrameHeader(length: UInt32(payload.readableBytes), streamID: streamID, type: type, flags: flags)
    }
}

extension ByteBuffer {
    /// Reads a header if ten bytes are available, leaving the reader index untouched otherwise.
    mutating func readFrameHeader() -> FrameHeader? {
        guard let (length, streamID, type, flags) = readMultipleIntegers(
            endianness: .big, as: (UInt32, UInt32, UInt8, UInt8).self
        ) else { return nil }
        return FrameHeader(
            length: length, streamID: streamID,
            type: FrameType(rawValue: type), flags: FrameFlags(rawValue: flags)
        )
    }

    /// Writes the ten header bytes.
    @discardableResult
    mutating func writeFrameHeader(_ header: FrameHeader) -> Int {
        writeMultipleIntegers(
            header.length, header.streamID, header.type.rawValue, header.flags.rawValue,
            endianness: .big
        )
    }
}
