import NIOCore
import NIOEmbedded
import Testing
@testable import TTRPC

@Suite("Frame codec")
struct FrameCodecTests {
    private func decoderChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
        return channel
    }

    private func encoded(_ frame: Frame) throws -> ByteBuffer {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(FrameEncoder()))
        try channel.writeOutbound(frame)
        let bytes = try #require(try channel.readOutbound(as: ByteBuffer.self))
        _ = try channel.finish()
        return bytes
    }

    @Test func encoderWritesBigEndianHeaderThenPayload() throws {
        let frame = Frame(streamID: 0x0102_0304, type: .data, flags: [.remoteClosed, .noData],
                          payload: ByteBuffer(bytes: [0xAA, 0xBB, 0xCC]))
        let bytes = try encoded(frame)
        #expect(Array(bytes.readableBytesView) == [0, 0, 0, 3, 1, 2, 3, 4, 3, 5, 0xAA, 0xBB, 0xCC])
    }

    @Test(arguments: [FrameType.request, .response, .data])
    func roundTrip(type: FrameType) throws {
        let frame = Frame(streamID: 7, type: type, flags: [.remoteOpen], payload: ByteBuffer(string: "payload"))
        let channel = try decoderChannel()
        try channel.writeInbound(try encoded(frame))
        #expect(try channel.readInbound(as: FrameEvent.self) == .frame(frame))
        #expect(try channel.readInbound(as: FrameEvent.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func emptyPayloadDecodes() throws {
        let channel = try decoderChannel()
        try channel.writeInbound(try encoded(Frame(streamID: 1, type: .response, payload: ByteBuffer())))
        let event = try #require(try channel.readInbound(as: FrameEvent.self))
        #expect(event == .frame(Frame(streamID: 1, type: .response, payload: ByteBuffer())))
    }

    @Test(arguments: [1, 3, 9, 10, 11, 13])
    func bytesSplitAtAnyPointReassemble(splitAt: Int) throws {
        let frame = Frame(streamID: 3, type: .request, payload: ByteBuffer(string: "abcd"))
        var bytes = try encoded(frame)
        let first = bytes.readSlice(length: splitAt)!
        let channel = try decoderChannel()
        try channel.writeInbound(first)
        #expect(try channel.readInbound(as: FrameEvent.self) == nil)
        try channel.writeInbound(bytes)
        #expect(try channel.readInbound(as: FrameEvent.self) == .frame(frame))
    }

    @Test func severalFramesInOneBuffer() throws {
        var all = ByteBuffer()
        let frames = (0..<5).map { Frame(streamID: UInt32(2 * $0 + 1), type: .request, payload: ByteBuffer(string: "m\($0)")) }
        for frame in frames {
            var bytes = try encoded(frame)
            all.writeBuffer(&bytes)
        }
        let channel = try decoderChannel()
        try channel.writeInbound(all)
        for frame in frames {
            #expect(try channel.readInbound(as: FrameEvent.self) == .frame(frame))
        }
        #expect(try channel.readInbound(as: FrameEvent.self) == nil)
    }

    @Test func truncatedFrameDeliversNothingAndLeavesNoError() throws {
        var bytes = try encoded(Frame(streamID: 1, type: .request, payload: ByteBuffer(string: "0123456789")))
        let truncated = bytes.readSlice(length: 14)!
        let channel = try decoderChannel()
        try channel.writeInbound(truncated)
        #expect(try channel.readInbound(as: FrameEvent.self) == nil)
        // EOF with a partial frame: dropped silently (the connection is going away anyway).
        let result = try channel.finish(acceptAlreadyClosed: true)
        #expect(result.isClean)
    }

    @Test func oversizedLengthIsReportedAndItsBytesSkipped() throws {
        let channel = try decoderChannel()
        let tooLong = UInt32(FrameHeader.maxPayloadLength + 1)
        var header = ByteBuffer()
        header.writeFrameHeader(FrameHeader(length: tooLong, streamID: 5, type: .request))
        try channel.writeInbound(header)
        #expect(try channel.readInbound(as: FrameEvent.self)
            == .oversized(FrameHeader(length: tooLong, streamID: 5, type: .request)))
        // Feed the announced bytes in chunks followed by a normal frame in the same buffer.
        let chunk = ByteBuffer(repeating: 0xEE, count: 1 << 20)
        for _ in 0..<4 { try channel.writeInbound(chunk) }
        var tail = ByteBuffer(bytes: [0xEE])
        var next = try encoded(Frame(streamID: 7, type: .request, payload: ByteBuffer(string: "ok")))
        tail.writeBuffer(&next)
        try channel.writeInbound(tail)
        #expect(try channel.readInbound(as: FrameEvent.self)
            == .frame(Frame(streamID: 7, type: .request, payload: ByteBuffer(string: "ok"))))
        #expect(try channel.readInbound(as: FrameEvent.self) == nil)
    }

    @Test func exactlyMaxLengthIsAccepted() throws {
        let channel = try decoderChannel()
        let payload = ByteBuffer(repeating: 1, count: FrameHeader.maxPayloadLength)
        try channel.writeInbound(try encoded(Frame(streamID: 1, type: .data, payload: payload)))
        guard case .frame(let frame)? = try channel.readInbound(as: FrameEvent.self) else {
            Issue.record("expected a frame")
            return
        }
        #expect(frame.payload.readableBytes == FrameHeader.maxPayloadLength)
    }

    @Test func unknownTypeAndFlagsAreCarriedThrough() throws {
        var bytes = ByteBuffer()
        bytes.writeFrameHeader(FrameHeader(length: 1, streamID: 9, type: FrameType(rawValue: 0x7F),
                                           flags: FrameFlags(rawValue: 0xF0)))
        bytes.writeInteger(UInt8(42))
        let channel = try decoderChannel()
        try channel.writeInbound(bytes)
        guard case .frame(let frame)? = try channel.readInbound(as: FrameEvent.self) else {
            Issue.record("expected a frame")
            return
        }
        #expect(frame.type.rawValue == 0x7F)
        #expect(frame.type.description == "unknown(127)")
        #expect(frame.flags.rawValue == 0xF0)
    }
}
