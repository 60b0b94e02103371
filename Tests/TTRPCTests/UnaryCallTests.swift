import Foundation
import Testing
@testable import TTRPC

@Suite("Unary calls", .timeLimit(.minutes(1)))
struct UnaryCallTests {
    @Test(arguments: TransportKind.allCases)
    func echo(transport: TransportKind) async throws {
        try await withServer(transport) { _, address in
            try await withClient(address) { client in
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("hello ttrpc"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                #expect(reply.text == "hello ttrpc")
            }
        }
    }

    @Test(arguments: TransportKind.allCases)
    func twoHundredConcurrentCallsOnOneConnection(transport: TransportKind) async throws {
        // Above the default of 128 in flight per connection (HostilePeerTests checks that bound).
        let roomy = TTRPCServerConfiguration(maxInFlightRequestsPerConnection: 256)
        try await withServer(transport, configuration: roomy) { _, address in
            try await withClient(address) { client in
                let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                    for index in 0..<200 {
                        group.addTask {
                            // Mix in short sleeps so responses come back out of order.
                            let text = index % 3 == 0 ? "sleep:\(index % 20)" : "call-\(index)"
                            let reply = try await client.call(
                                service: echoService, method: "Echo", request: payload(text),
                                responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(20))
                            return (index, reply.text)
                        }
                    }
                    var all: [Int: String] = [:]
                    for try await (index, text) in group { all[index] = text }
                    return all
                }
                #expect(replies.count == 200)
                for (index, text) in replies {
                    #expect(text == (index % 3 == 0 ? "sleep:\(index % 20)" : "call-\(index)"))
                }
            }
        }
    }

    @Test func metadataRoundTrip() async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                var metadata: TTRPCMetadata = ["x-request-id": "r-42"]
                metadata.add("x-multi", "first")
                metadata.add("x-multi", "second")
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("metadata:x-request-id"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5), metadata: metadata)
                #expect(reply.text == "r-42")
                let first = try await client.call(
                    service: echoService, method: "Echo", request: payload("metadata:x-multi"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5), metadata: metadata)
                #expect(first.text == "first")
                let absent = try await client.call(
                    service: echoService, method: "Echo", request: payload("metadata:nope"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5), metadata: metadata)
                #expect(absent.text == "")
            }
        }
    }

    @Test func failCarriesCodeAndMessage() async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                let error = await expectStatus(.alreadyExists) {
                    _ = try await client.call(
                        service: echoService, method: "Echo", request: payload("fail:6:order 17 exists"),
                        responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                }
                #expect(error?.message == "order 17 exists")
            }
        }
    }

    @Test func deadlineExceededAndConnectionStillWorks() async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                let started = ContinuousClock.now
                await expectStatus(.deadlineExceeded) {
                    _ = try await client.call(
                        service: echoService, method: "Echo", request: payload("sleep:5000"),
                        responseType: Ttrpc_Interop_V1_Payload.self, timeout: .milliseconds(200))
                }
                #expect(ContinuousClock.now - started < .seconds(3))
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("after"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                #expect(reply.text == "after")
            }
        }
    }

    @Test func serverEnforcesTimeoutNanoOnItsOwn() async throws {
        // A raw client without a local timer: only the server's deadline can end this call.
        try await withServer { _, address in
            let raw = try await RawConnection(address: address)
            try await raw.send(try requestFrame(streamID: 1, payload: Data("sleep:10000".utf8), timeoutNano: 150_000_000))
            let answer = try #require(try await raw.nextResponse())
            #expect(answer.streamID == 1)
            #expect(answer.response.status.code == StatusCode.deadlineExceeded.rawValue)
            #expect(answer.response.status.message == "context deadline exceeded")
            await raw.close()
        }
    }

    @Test(arguments: [
        ("no.such.Service", "Echo", "service no.such.Service"),
        (echoService, "Nope", "method Nope"),
    ])
    func unknownServiceOrMethodIsUnimplemented(service: String, method: String, message: String) async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                let error = await expectStatus(.unimplemented) {
                    _ = try await client.rawCall(service: service, method: method, payload: Data(), timeout: .seconds(5))
                }
                #expect(error?.message == message)
            }
        }
    }

    @Test func invalidProtobufPayloadIsInvalidArgument() async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                await expectStatus(.invalidArgument) {
                    _ = try await client.rawCall(
                        service: echoService, method: "Echo", payload: Data([0xFF, 0xFF, 0xFF]), timeout: .seconds(5))
                }
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("still fine"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                #expect(reply.text == "still fine")
            }
        }
    }

    @Test func clientRefusesOversizedRequestLocally() async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                let big = payload(String(repeating: "x", count: FrameHeader.maxPayloadLength + 1))
                await expectStatus(.resourceExhausted) {
                    _ = try await client.call(
                        service: echoService, method: "Echo", request: big,
                        responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                }
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("small"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                #expect(reply.text == "small")
            }
        }
    }

    @Test func healthCheck() async throws {
        try await withServer(services: [.interopEcho, probeService()]) { _, address in
            try await withClient(address) { client in
                let overall = try await client.healthCheck()
                let echo = try await client.healthCheck(service: echoService)
                let probe = try await client.healthCheck(service: "test.v1.Probe")
                let unknown = try await client.healthCheck(service: "copytrade.v1.Unknown")
                #expect(overall == .serving)
                #expect(echo == .serving)
                #expect(probe == .serving)
                #expect(unknown == .serviceUnknown)
            }
        }
    }

    @Test func connectionLossFailsPendingCallsWithUnavailable() async throws {
        let gate = Gate()
        try await withServer(services: [probeService(gate: gate)]) { server, address in
            try await withClient(address) { client in
                let pending = Task {
                    try await client.call(
                        service: "test.v1.Probe", method: "Gated", request: payload("x"),
                        responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(20))
                }
                await gate.waitForEntry()
                server.close()
                await expectStatus(.unavailable) { _ = try await pending.value }
                gate.open()
            }
        }
    }

    @Test func serverCancelsHandlerWhenDeadlinePasses() async throws {
        let (cancellations, cancelled) = AsyncStream<Void>.makeStream()
        try await withServer(services: [probeService(cancelled: cancelled)]) { _, address in
            let raw = try await RawConnection(address: address)
            try await raw.send(try requestFrame(
                streamID: 1, service: "test.v1.Probe", method: "Hang", timeoutNano: 100_000_000))
            let answer = try #require(try await raw.nextResponse())
            #expect(answer.response.status.code == StatusCode.deadlineExceeded.rawValue)
            var iterator = cancellations.makeAsyncIterator()
            let sawCancellation: Void? = await iterator.next()
            #expect(sawCancellation != nil, "the handler task must observe cancellation")
            await raw.close()
        }
    }

    @Test func callAfterCloseIsUnavailable() async throws {
        try await withServer { _, address in
            let client = try await TTRPCClient.connect(to: address, logger: testLogger)
            await client.close()
            #expect(!client.isActive)
            await expectStatus(.unavailable) {
                _ = try await client.healthCheck()
            }
        }
    }
}
