import Foundation
import Testing
@testable import TTRPC

@Suite("Streaming and lifecycle", .timeLimit(.minutes(1)))
struct StreamingAndLifecycleTests {
    @Test(arguments: [0, 1, 50])
    func serverStreamDeliversInOrderThenCompletes(count: Int) async throws {
        try await withServer(services: [probeService()]) { _, address in
            try await withClient(address) { client in
                var received: [String] = []
                for try await message in client.serverStream(
                    service: "test.v1.Probe", method: "Count", request: payload("\(count)"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(10))
                {
                    received.append(message.text)
                }
                #expect(received == (0..<count).map { "\($0)" })
                // Same connection is still usable afterwards.
                let after = try await client.healthCheck()
                #expect(after == .serving)
            }
        }
    }

    @Test func serverStreamErrorArrivesAfterMessages() async throws {
        try await withServer(services: [probeService()]) { _, address in
            try await withClient(address) { client in
                var received: [String] = []
                let error = await expectStatus(.aborted) {
                    for try await message in client.serverStream(
                        service: "test.v1.Probe", method: "Count", request: payload("3:fail"),
                        responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(10))
                    {
                        received.append(message.text)
                    }
                }
                #expect(received == ["0", "1", "2"])
                #expect(error?.message == "stopped after 3")
            }
        }
    }

    @Test func streamingWireFormatIsDataFramesThenResponse() async throws {
        try await withServer(services: [probeService()]) { _, address in
            let raw = try await RawConnection(address: address)
            var request = try requestFrame(streamID: 1, service: "test.v1.Probe", method: "Count", payload: Data("2".utf8))
            request.setInteger(FrameFlags.remoteClosed.rawValue, at: request.readerIndex + 9)
            try await raw.send(request)
            var types: [FrameType] = []
            for _ in 0..<3 {
                guard case .frame(let frame)? = try await raw.next() else { break }
                #expect(frame.streamID == 1)
                types.append(frame.type)
            }
            #expect(types == [.data, .data, .response])
            await raw.close()
        }
    }

    @Test func gracefulShutdownDrainsInFlightCall() async throws {
        let gate = Gate()
        let server = TTRPCServer(
            address: TransportKind.unix.address(), services: [probeService(gate: gate)], logger: testLogger)
        let address = try await server.bind()
        let running = Task { try await server.run() }
        let client = try await TTRPCClient.connect(to: address, logger: testLogger)
        let inFlight = Task {
            try await client.call(
                service: "test.v1.Probe", method: "Gated", request: payload("drained"),
                responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(20))
        }
        await gate.waitForEntry()
        await server.shutdown()
        // The listener is closed: new connections are refused while the old call drains.
        await expectStatus(.unavailable) {
            _ = try await TTRPCClient.connect(to: address, logger: testLogger)
        }
        gate.open()
        let reply = try await inFlight.value
        #expect(reply.text == "drained")
        try await running.value  // run() returns once the drained connection is closed
        #expect(server.connectionCount == 0)
        await client.close()
    }

    @Test func latencyBenchmarkProducesSaneFigures() async throws {
        let report = try await TTRPCLatencyBenchmark.run(calls: 200, payloadBytes: 64)
        #expect(report.calls == 200)
        #expect(report.p50Microseconds > 0)
        #expect(report.p99Microseconds >= report.p50Microseconds)
        #expect(report.callsPerSecond > 0)
    }
}

@Suite("Pipeline hooks", .timeLimit(.minutes(1)))
struct PipelineHookTests {
    /// The TLS seam: both sides run a configurator before the ttrpc handlers are added.
    @Test func configuratorsRunOnBothSides() async throws {
        let (calls, continuation) = AsyncStream<String>.makeStream()
        let configuration = TTRPCServerConfiguration(configureConnection: { _ in continuation.yield("server") })
        try await withServer(configuration: configuration) { _, address in
            let client = try await TTRPCClient.connect(
                to: address, logger: testLogger, configureConnection: { _ in continuation.yield("client") })
            let status = try await client.healthCheck()
            #expect(status == .serving)
            await client.close()
            continuation.finish()
        }
        var seen: Set<String> = []
        for await side in calls { seen.insert(side) }
        #expect(seen == ["server", "client"])
    }

    /// Cancelling the task running the server stops it; used by the benchmark and by
    /// service groups.
    @Test func cancellingRunClosesServer() async throws {
        let server = TTRPCServer(address: TransportKind.unix.address(), services: [], logger: testLogger)
        try await server.bind()
        let running = Task { try await server.run() }
        running.cancel()
        try await running.value
        #expect(server.connectionCount == 0)
    }
}

@Suite("Latency benchmark (TTRPC_BENCH=1)", .enabled(if: ProcessInfo.processInfo.environment["TTRPC_BENCH"] != nil))
struct LatencyBenchmarkRun {
    @Test(arguments: [16, 4096])
    func report(payloadBytes: Int) async throws {
        let report = try await TTRPCLatencyBenchmark.run(calls: 10_000, payloadBytes: payloadBytes)
        print("TTRPC latency: \(report)")
        #expect(report.p99Microseconds >= report.p50Microseconds)
    }
}
