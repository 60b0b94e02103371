import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import TTRPC

/// Calls made on the client's event loop (task executor preference ``TTRPCClient/executor``),
/// where the client writes and resumes without a thread hop, and client-side cancellation,
/// which no longer goes through an `EventLoopPromise`.
@Suite("Client calls on its event loop", .timeLimit(.minutes(1)))
struct ClientOnLoopTests {
    @Test func sequentialAndConcurrentCallsOnTheLoop() async throws {
        try await withServer(services: [.interopEcho, probeService()]) { _, address in
            try await withClient(address) { client in
                try await withTaskExecutorPreference(client.executor) {
                    for index in 0..<50 {
                        let reply = try await client.call(
                            service: echoService, method: "Echo", request: payload("n\(index)"),
                            responseType: Ttrpc_Interop_V1_Payload.self)
                        #expect(reply.text == "n\(index)")
                    }
                    let texts = try await withThrowingTaskGroup(of: String.self) { group in
                        for index in 0..<20 {
                            group.addTask {
                                try await client.call(
                                    service: echoService, method: "Echo", request: payload("c\(index)"),
                                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(20)
                                ).text
                            }
                        }
                        var all: Set<String> = []
                        for try await text in group { all.insert(text) }
                        return all
                    }
                    #expect(texts == Set((0..<20).map { "c\($0)" }))
                    var received: [String] = []
                    for try await message in client.serverStream(
                        service: "test.v1.Probe", method: "Count", request: payload("3"),
                        responseType: Ttrpc_Interop_V1_Payload.self)
                    {
                        received.append(message.text)
                    }
                    #expect(received == ["0", "1", "2"])
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func clientDeadlineAndStatusOnTheLoop(onLoop: Bool) async throws {
        try await withServer(services: [.interopEcho, probeService()]) { _, address in
            try await withClient(address) { client in
                let body: () async throws -> Void = {
                    await expectStatus(.deadlineExceeded) {
                        _ = try await client.call(
                            service: "test.v1.Probe", method: "Hang", request: payload("x"),
                            responseType: Ttrpc_Interop_V1_Payload.self, timeout: .milliseconds(50))
                    }
                    await expectStatus(.notFound) {
                        _ = try await client.call(
                            service: echoService, method: "Echo", request: payload("fail:5:gone"),
                            responseType: Ttrpc_Interop_V1_Payload.self)
                    }
                    let reply = try await client.call(
                        service: echoService, method: "Echo", request: payload("still fine"),
                        responseType: Ttrpc_Interop_V1_Payload.self)
                    #expect(reply.text == "still fine")
                }
                if onLoop {
                    try await withTaskExecutorPreference(client.executor) { try await body() }
                } else {
                    try await body()
                }
            }
        }
    }

    @Test(arguments: [false, true])
    func cancellingTheCallerFailsTheCallCancelled(onLoop: Bool) async throws {
        let gate = Gate()
        try await withServer(services: [.interopEcho, probeService(gate: gate)]) { _, address in
            try await withClient(address) { client in
                let call: @Sendable () async throws -> Ttrpc_Interop_V1_Payload = {
                    try await client.call(
                        service: "test.v1.Probe", method: "Gated", request: payload("x"),
                        responseType: Ttrpc_Interop_V1_Payload.self)
                }
                let pending = onLoop ? Task(executorPreference: client.executor) { try await call() } : Task { try await call() }
                await gate.waitForEntry()
                pending.cancel()
                await expectStatus(.cancelled) { _ = try await pending.value }
                // The late answer to the cancelled stream is dropped; the connection goes on.
                gate.open()
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("after"),
                    responseType: Ttrpc_Interop_V1_Payload.self)
                #expect(reply.text == "after")
            }
        }
    }

    @Test func alreadyCancelledCallerFailsCancelled() async throws {
        try await withServer { _, address in
            try await withClient(address) { client in
                let pending = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return try await client.call(
                        service: echoService, method: "Echo", request: payload("x"),
                        responseType: Ttrpc_Interop_V1_Payload.self)
                }
                await expectStatus(.cancelled) { _ = try await pending.value }
            }
        }
    }

    /// Server, client and caller on one event loop: the set-up recommended for a server and
    /// its client in the same process (no thread wake-up per call).
    @Test func serverAndClientOnOneEventLoop() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let server = TTRPCServer(
            address: TransportKind.unix.address(), services: [.interopEcho, probeService()], logger: testLogger, group: loop)
        let address = try await server.bind()
        let running = Task { try await server.run() }
        let client = try await TTRPCClient.connect(to: address, logger: testLogger, group: loop)
        try await withTaskExecutorPreference(client.executor) {
            for index in 0..<20 {
                let reply = try await client.call(
                    service: echoService, method: "Echo", request: payload("\(index)"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                #expect(reply.text == "\(index)")
            }
        }
        await client.close()
        server.close()
        try await running.value
    }
}
