import Foundation
import NIOCore
import Testing
import TestSupport
@testable import TTRPC

/// Byte compatibility with the reference Go implementation (containerd/ttrpc v1.1.1, from
/// Debian): `tools/interop/ttrpc-peer`, built by `make test` (`tools/interop/build.sh`), runs
/// as client and server against ours. `TTRPC_GO_PEER` may name another build of it.
@Suite("Go interop", .timeLimit(.minutes(1)))
struct GoInteropTests {
    private var peerPath: String {
        if let p = ProcessInfo.processInfo.environment["TTRPC_GO_PEER"] { return p }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.appendingPathComponent("tools/interop/bin/ttrpc-peer").path
    }

    @Test func peerIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: peerPath),
                "the Go interop peer is missing at \(peerPath): run tools/interop/build.sh (make test does)")
    }

    @Test func goClientAgainstSwiftServer() async throws {
        try await withServer { _, address in
            guard case .unix(let path) = address else { return }
            let (status, output) = try await runToCompletion(peerPath, ["check", "--socket", path])
            #expect(status == 0, "ttrpc-peer check output:\n\(output)")
            #expect(output.contains("PASS health-check"))
            #expect(output.contains("PASS deadline-server-status"))
            #expect(output.contains(" passed, 0 failed"))
        }
    }

    /// Requests whose answers must be identical, byte for byte, from both servers.
    static let rawCases: [(name: String, frame: @Sendable () throws -> ByteBuffer)] = [
        ("echo", { try requestFrame(streamID: 1, payload: Data("same bytes".utf8)) }),
        ("empty echo", { try requestFrame(streamID: 3, payload: Data()) }),
        ("fail status", { try requestFrame(streamID: 5, payload: Data("fail:9:precondition failed".utf8)) }),
        ("unknown service", { try requestFrame(streamID: 7, service: "no.such.Service") }),
        ("unknown method", { try requestFrame(streamID: 9, method: "Nope") }),
        ("even stream id", { try requestFrame(streamID: 10) }),
        ("server deadline", { try requestFrame(streamID: 13, payload: Data("sleep:5000".utf8), timeoutNano: 50_000_000) }),
        ("oversized", {
            var buffer = ByteBuffer()
            buffer.writeFrameHeader(FrameHeader(length: UInt32(FrameHeader.maxPayloadLength + 1), streamID: 11, type: .request))
            buffer.writeRepeatingByte(0, count: FrameHeader.maxPayloadLength + 1)
            return buffer
        }),
    ]

    @Test(arguments: 0..<rawCases.count)
    func rawResponsesMatchGoByteForByte(caseIndex: Int) async throws {
        let testCase = Self.rawCases[caseIndex]
        let goPath = shortSocketPath()
        let go = try await startGoServer(at: goPath)
        defer { stop(go, path: goPath) }
        let fromGo = try await exchange(testCase.frame(), with: .unix(path: goPath))
        let fromSwift = try await withServer { _, address in
            try await exchange(testCase.frame(), with: address)
        }
        #expect(fromSwift == fromGo, "\(testCase.name): Swift \(fromSwift) vs Go \(fromGo)")
    }

    private func exchange(_ frame: ByteBuffer, with address: TTRPCAddress) async throws -> FrameEvent? {
        let raw = try await RawConnection(address: address)
        try await raw.send(frame)
        let answer = try await raw.next()
        await raw.close()
        return answer
    }

    /// The Go server; its stdin is a pipe held open by the test, as the peer expects.
    private func startGoServer(at path: String) async throws -> Spawned {
        let child = try Spawned(peerPath, ["serve", "--socket", path], stdout: .pipe, stdinPipe: true)
        let (ready, printed) = await ChildProcess.waitForLine("READY", on: child.stdout!)
        guard ready else {
            stop(child, path: path)
            throw TTRPCError(code: .unavailable, message: "ttrpc-peer did not print READY within its time limit: \(printed)")
        }
        return child
    }

    /// Kills the peer (its shutdown is not under test) without waiting: its reaper collects it.
    private func stop(_ child: Spawned, path: String) {
        child.kill9()
        unlink(path)
    }

    @Test func swiftClientAgainstGoServer() async throws {
        let path = shortSocketPath()
        let process = try await startGoServer(at: path)
        defer { stop(process, path: path) }

        try await withClient(.unix(path: path)) { client in
            let echoed = try await client.call(
                service: echoService, method: "Echo", request: payload("hello from swift"),
                responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
            #expect(echoed.text == "hello from swift")

            let error = await expectStatus(.permissionDenied) {
                _ = try await client.call(
                    service: echoService, method: "Echo", request: payload("fail:7:nope"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
            }
            #expect(error?.message == "nope")

            let value = try await client.call(
                service: echoService, method: "Echo", request: payload("metadata:x-k"),
                responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5), metadata: ["x-k": "from-swift"])
            #expect(value.text == "from-swift")

            await expectStatus(.deadlineExceeded) {
                _ = try await client.call(
                    service: echoService, method: "Echo", request: payload("sleep:3000"),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .milliseconds(200))
            }
            let unknown = await expectStatus(.unimplemented) {
                _ = try await client.rawCall(service: "no.such.Service", method: "X", payload: Data(), timeout: .seconds(5))
            }
            #expect(unknown?.message == "service no.such.Service")

            let concurrent = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let reply = try await client.call(
                            service: echoService, method: "Echo", request: payload("c\(index)"),
                            responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(10))
                        return reply.text == "c\(index)"
                    }
                }
                return try await group.reduce(true) { $0 && $1 }
            }
            #expect(concurrent)
            let health = try await client.healthCheck()
            #expect(health == .serving)
        }
    }

    private func runToCompletion(_ executable: String, _ arguments: [String]) async throws -> (Int32, String) {
        let r = try await ChildProcess.run(executable, arguments, timeLimit: .seconds(50))
        return (r.status, r.stdout + r.stderr + (r.timedOut ? "\n(killed at its time limit)" : ""))
    }
}
