import Foundation
import NIOCore
import Testing
@testable import TTRPC

/// Hostile or broken peers: the server answers with a status or closes that connection, and
/// never takes other connections down with it.
@Suite("Bad input over raw sockets", .timeLimit(.minutes(1)))
struct BadInputTests {
    /// A second, well-behaved connection still gets answers.
    private func expectServerStillServes(_ address: TTRPCAddress) async throws {
        try await withClient(address) { client in
            let reply = try await client.call(
                service: echoService, method: "Echo", request: payload("alive"),
                responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
            #expect(reply.text == "alive")
        }
    }

    @Test(arguments: TransportKind.allCases)
    func oversizedFrameGetsResourceExhaustedAndConnectionSurvives(transport: TransportKind) async throws {
        try await withServer(transport) { _, address in
            let raw = try await RawConnection(address: address)
            let length = FrameHeader.maxPayloadLength + 1
            var oversized = ByteBuffer()
            oversized.writeFrameHeader(FrameHeader(length: UInt32(length), streamID: 1, type: .request))
            oversized.writeRepeatingByte(0x5A, count: length)
            try await raw.send(oversized)
            try await raw.send(try requestFrame(streamID: 3, payload: Data("after oversize".utf8)))

            let refused = try #require(try await raw.nextResponse())
            #expect(refused.streamID == 1)
            #expect(refused.response.status.code == StatusCode.resourceExhausted.rawValue)
            #expect(refused.response.status.message
                == "message length \(length) exceed maximum message size of \(FrameHeader.maxPayloadLength)")
            let served = try #require(try await raw.nextResponse())
            #expect(served.streamID == 3)
            #expect(served.response.status.code == 0)
            #expect(try Ttrpc_Interop_V1_Payload(serializedBytes: served.response.payload).text == "after oversize")
            await raw.close()
        }
    }

    @Test func okResponseOmitsStatusLikeGo() async throws {
        try await withServer { _, address in
            let raw = try await RawConnection(address: address)
            try await raw.send(try requestFrame(streamID: 1, payload: Data("x".utf8)))
            guard case .frame(let frame)? = try await raw.next() else {
                Issue.record("no response")
                return
            }
            // Go sends a nil Status for OK: the response is only field 2 (payload) = Payload{value:"x"}.
            #expect(Array(frame.payload.readableBytesView) == [0x12, 0x03, 0x0A, 0x01, 0x78])
            #expect(frame.flags == [])
            await raw.close()
        }
    }

    @Test func garbageBytesGetAStatusOrCloseAndOthersKeepWorking() async throws {
        try await withServer { _, address in
            let raw = try await RawConnection(address: address)
            try await raw.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
            // "GET " as a length is > 4 MiB: Go answers RESOURCE_EXHAUSTED and discards.
            switch try await raw.next() {
            case nil:
                break  // closed: acceptable
            case .frame(let frame)?:
                #expect(frame.type == .response)
                let response = try Ttrpc_Response(serializedBytes: Data(frame.payload.readableBytesView))
                #expect(response.status.code != 0)
            case .oversized?:
                Issue.record("server sent an oversized frame")
            }
            await raw.close()
            try await expectServerStillServes(address)
        }
    }

    @Test func truncatedFrameThenEOFClosesConnection() async throws {
        try await withServer { server, address in
            let raw = try await RawConnection(address: address)
            var frame = try requestFrame(streamID: 1)
            let partial = frame.readSlice(length: frame.readableBytes - 3)!
            try await raw.send(partial)
            try await raw.channel.close(mode: .output)
            #expect(try await raw.next() == nil, "server must close a connection that ended mid-frame")
            await raw.close()
            try await expectServerStillServes(address)
            _ = server
        }
    }

    @Test func unknownFrameTypeIsIgnoredLikeGo() async throws {
        try await withServer { _, address in
            let raw = try await RawConnection(address: address)
            try await raw.send(try requestFrame(streamID: 1, type: FrameType(rawValue: 0x9)))
            try await raw.send(try requestFrame(streamID: 3, payload: Data("next".utf8)))
            let answer = try #require(try await raw.nextResponse())
            #expect(answer.streamID == 3, "the unknown-type frame must not be answered")
            #expect(answer.response.status.code == 0)
            await raw.close()
            try await expectServerStillServes(address)
        }
    }

    @Test func evenStreamIDIsInvalidArgumentOnThatStream() async throws {
        try await withServer { _, address in
            let raw = try await RawConnection(address: address)
            try await raw.send(try requestFrame(streamID: 2))
            let answer = try #require(try await raw.nextResponse())
            #expect(answer.streamID == 2)
            #expect(answer.response.status.code == StatusCode.invalidArgument.rawValue)
            #expect(answer.response.status.message == "StreamID must be odd for client initiated streams")
            try await raw.send(try requestFrame(streamID: 5, payload: Data("odd".utf8)))
            let next = try #require(try await raw.nextResponse())
            #expect(next.streamID == 5 && next.response.status.code == 0)
            await raw.close()
        }
    }

    @Test func undecodableRequestEnvelopeIsInvalidArgument() async throws {
        try await withServer { _, address in
            let raw = try await RawConnection(address: address)
            var frame = ByteBuffer()
            frame.writeFrameHeader(FrameHeader(length: 4, streamID: 7, type: .request))
            frame.writeBytes([0xFF, 0xFF, 0xFF, 0xFF])
            try await raw.send(frame)
            let answer = try #require(try await raw.nextResponse())
            #expect(answer.streamID == 7)
            #expect(answer.response.status.code == StatusCode.invalidArgument.rawValue)
            #expect(answer.response.status.message.hasPrefix("unmarshal request error"))
            await raw.close()
            try await expectServerStillServes(address)
        }
    }
}
