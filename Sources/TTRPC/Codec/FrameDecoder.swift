import NIOCore

/// What the decoder hands up the pipeline.
public enum FrameEvent: Sendable, Hashable {
    /// A complete frame within the size limit.
    case frame(Frame)
    /// A header announced more than 4 MiB. Its payload has been (or is being) discarded and the
    /// connection stays usable; the receiver answers the stream with `RESOURCE_EXHAUSTED`, as
    /// Go's `channel.recv` does.
    case oversized(FrameHeader)
}

/// Splits the byte stream into ttrpc frames.
///
/// An oversized frame is not an error: the decoder reports it at once and then swallows the
/// announced number of bytes as they arrive, without buffering them, so a peer cannot make us
/// hold more than 4 MiB and the next frame decodes normally.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = FrameEvent

    private let maxPayloadLength: Int
    /// Bytes of an oversized payload still to discard.
    private var bytesToDiscard = 0

    public init(maxPayloadLength: Int = FrameHeader.maxPayloadLength) {
        self.maxPayloadLength = maxPayloadLength
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if bytesToDiscard > 0 {
            let skipped = min(bytesToDiscard, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            bytesToDiscard -= skipped
            return bytesToDiscard == 0 ? .continue : .needMoreData
        }
        guard buffer.readableBytes >= FrameHeader.byteCount else { return .needMoreData }
        var peek = buffer
        guard let header = peek.readFrameHeader() else { return .needMoreData }
        let length = Int(header.length)
        if length > maxPayloadLength {
            buffer.moveReaderIndex(forwardBy: FrameHeader.byteCount)
            bytesToDiscard = length
            context.fireChannelRead(NIOAny(FrameEvent.oversized(header)))
            return .continue
        }
        guard peek.readableBytes >= length, let payload = peek.readSlice(length: length) else {
            return .needMoreData
        }
        buffer = peek
        let frame = Frame(streamID: header.streamID, type: header.type, flags: header.flags, payload: payload)
        context.fireChannelRead(NIOAny(FrameEvent.frame(frame)))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue, buffer.readableBytes > 0 {}
        // Whatever remains is a truncated frame: the peer went away mid-frame, nothing to deliver.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}

/// Writes frames as header plus payload.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    public init() {}

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        out.reserveCapacity(minimumWritableBytes: FrameHeader.byteCount + data.payload.readableBytes)
        out.writeFrameHeader(data.header)
        var payload = data.payload
        out.writeBuffer(&payload)
    }
}
