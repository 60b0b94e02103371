import Logging
import NIOCore

/// Closes a connection whose peer began a frame and did not finish it within
/// ``TTRPCServerConfiguration/incompleteFrameTimeout``.
///
/// Without it a peer that sends half a frame and stalls holds a descriptor and a buffer for
/// as long as it likes: 1,000 such peers held 1,021 descriptors (issue 10). The clock starts
/// at a frame's first byte and is not reset by later bytes of the same frame, so trickling a
/// byte at a time does not keep a frame alive either. A connection idle *between* frames is
/// left alone: a `watch` client legitimately sends nothing for hours.
///
/// Sits in front of the frame decoder and only watches the bytes go by (``FrameBoundaries``).
final class IncompleteFrameTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var boundaries = FrameBoundaries()
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let completed = boundaries.consume(unwrapInboundIn(data).readableBytesView)
        if !boundaries.isInsideFrame {
            cancelDeadline()
        } else if completed > 0 || deadline == nil {
            // The frame now pending began during this read.
            cancelDeadline()
            let channel = context.channel
            let timeout = timeout
            deadline = context.eventLoop.scheduleTask(in: timeout) { [logger] in
                logger.info("ttrpc: closing connection: frame incomplete after \(timeout)")
                channel.close(promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Follows ttrpc frame boundaries in a byte stream: a 10-byte header whose first four bytes
/// are the big-endian payload length, then the payload. Oversized frames have the same shape
/// (the decoder discards their payload), so the boundaries hold for them too.
struct FrameBoundaries: Sendable {
    private var headerBytesSeen = 0
    private var length: UInt32 = 0
    private var payloadRemaining = 0

    /// Whether part of a frame has arrived and the rest has not.
    var isInsideFrame: Bool { headerBytesSeen > 0 || payloadRemaining > 0 }

    /// Accounts for `bytes`; returns how many frames they completed.
    mutating func consume(_ bytes: ByteBufferView) -> Int {
        var index = bytes.startIndex
        var completed = 0
        while index < bytes.endIndex {
            if payloadRemaining > 0 {
                let skipped = min(payloadRemaining, bytes.endIndex - index)
                index += skipped
                payloadRemaining -= skipped
                if payloadRemaining == 0 { completed += 1 }
                continue
            }
            if headerBytesSeen < 4 { length = length << 8 | UInt32(bytes[index]) }
            headerBytesSeen += 1
            index += 1
            if headerBytesSeen == FrameHeader.byteCount {
                payloadRemaining = Int(length)
                headerBytesSeen = 0
                length = 0
                if payloadRemaining == 0 { completed += 1 }
            }
        }
        return completed
    }
}
