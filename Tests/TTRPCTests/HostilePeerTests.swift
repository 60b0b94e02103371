import Foundation
import Logging
import NIOCore
import Synchronization
import Testing
@testable import TTRPC

/// What an outside attack on the daemon found at the transport (issue 10): peers that hold
/// half a frame, pipeline without bound, or get refused by the thousand. Each test runs a
/// real server on a real Unix socket.
@Suite("Hostile peers: stalls, pipelining, refusal floods", .timeLimit(.minutes(3)))
struct HostilePeerTests {
    // MARK: half frames

    @Test func halfFrameThenStallIsClosedAfterTheTimeout() async throws {
        let configuration = TTRPCServerConfiguration(incompleteFrameTimeout: .milliseconds(300))
        try await withServer(configuration: configuration) { server, address in
            let raw = try await RawConnection(address: address)
            var frame = try requestFrame(streamID: 1)
            try await raw.send(frame.readSlice(length: frame.readableBytes - 3)!)
            // Before the fix nothing arrives and `next` throws after 10 s.
            #expect(try await raw.next(within: .seconds(10)) == nil, "a stalled half frame must cost its connection")
            await raw.close()
            try await waitUntil { server.connectionCount == 0 }
            try await expectEchoes(address, "still serving")
        }
    }

    @Test func frameTrickledSlowerThanTheTimeoutIsClosed() async throws {
        let configuration = TTRPCServerConfiguration(incompleteFrameTimeout: .milliseconds(500))
        try await withServer(configuration: configuration) { _, address in
            let raw = try await RawConnection(address: address)
            let frame = try requestFrame(streamID: 1)
            // One byte every 100 ms: each byte is progress, but the frame takes ~2 s to finish.
            let sender = Task {
                for byte in frame.readableBytesView {
                    try await raw.send([byte])
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            #expect(try await raw.next(within: .seconds(10)) == nil, "a frame must complete within the timeout")
            sender.cancel()
            _ = await sender.result
            await raw.close()
        }
    }

    @Test func idleBetweenWholeFramesIsNotAStall() async throws {
        // A timeout a loaded machine cannot miss between two sends, and an idle time past it.
        let configuration = TTRPCServerConfiguration(incompleteFrameTimeout: .seconds(2))
        try await withServer(configuration: configuration) { _, address in
            let raw = try await RawConnection(address: address)
            // Two frames in one write, then a split one completed within the timeout.
            var two = try requestFrame(streamID: 1, payload: Data("a".utf8))
            var second = try requestFrame(streamID: 3, payload: Data("b".utf8))
            two.writeBuffer(&second)
            try await raw.send(two)
            #expect(try #require(try await raw.nextResponse()).streamID == 1)
            #expect(try #require(try await raw.nextResponse()).streamID == 3)
            try await Task.sleep(for: .seconds(4))  // idle, nothing partial: must stay open
            var third = try requestFrame(streamID: 5, payload: Data("c".utf8))
            try await raw.send(third.readSlice(length: 4)!)
            try await raw.send(third)
            let answer = try #require(try await raw.nextResponse())
            #expect(answer.streamID == 5)
            #expect(try Ttrpc_Interop_V1_Payload(serializedBytes: answer.response.payload).text == "c")
            await raw.close()
        }
    }

    // MARK: in-flight bounds

    @Test func requestPastThePerConnectionLimitIsRefusedAtOnce() async throws {
        let holder = Holder()
        let configuration = TTRPCServerConfiguration(maxInFlightRequestsPerConnection: 4)
        try await withServer(services: [holder.service, .interopEcho], configuration: configuration) { _, address in
            let raw = try await RawConnection(address: address)
            for stream in [1, 3, 5, 7] as [UInt32] {
                try await raw.send(try requestFrame(streamID: stream, service: Holder.name, method: "Hold"))
            }
            try await waitUntil { holder.entered == 4 }
            try await raw.send(try requestFrame(streamID: 9, service: Holder.name, method: "Hold"))
            // Before the fix stream 9 queues behind the held calls and nothing comes back.
            let refused = try #require(try await raw.nextResponse())
            #expect(refused.streamID == 9)
            #expect(refused.response.status.code == StatusCode.resourceExhausted.rawValue)
            #expect(refused.response.status.message
                == "ttrpc: 4 requests already in flight on this connection (maxInFlightRequestsPerConnection 4)")
            #expect(holder.entered == 4, "the refused request must not run")
            // Another connection is not limited by this one's calls.
            try await expectEchoes(address, "other client")
            holder.release()
            var answered: [UInt32] = []
            for _ in 0..<4 {
                let answer = try #require(try await raw.nextResponse())
                #expect(answer.response.status.code == 0)
                answered.append(answer.streamID)
            }
            #expect(answered.sorted() == [1, 3, 5, 7])
            // Room again once the calls finished.
            try await raw.send(try requestFrame(streamID: 11, service: Holder.name, method: "Hold"))
            let after = try #require(try await raw.nextResponse())
            #expect(after.streamID == 11 && after.response.status.code == 0)
            await raw.close()
        }
    }

    @Test func callPastTheServerWideLimitIsRefusedAtOnce() async throws {
        let holder = Holder()
        let configuration = TTRPCServerConfiguration(maxConcurrentCalls: 3)
        try await withServer(services: [holder.service, .interopEcho], configuration: configuration) { _, address in
            let first = try await RawConnection(address: address)
            let second = try await RawConnection(address: address)
            try await first.send(try requestFrame(streamID: 1, service: Holder.name, method: "Hold"))
            try await first.send(try requestFrame(streamID: 3, service: Holder.name, method: "Hold"))
            try await second.send(try requestFrame(streamID: 1, service: Holder.name, method: "Hold"))
            try await waitUntil { holder.entered == 3 }
            try await second.send(try requestFrame(streamID: 3, service: Holder.name, method: "Hold"))
            let refused = try #require(try await second.nextResponse())
            #expect(refused.streamID == 3)
            #expect(refused.response.status.code == StatusCode.resourceExhausted.rawValue)
            #expect(refused.response.status.message == "ttrpc: 3 calls already in flight on this server (maxConcurrentCalls 3)")
            #expect(holder.entered == 3)
            holder.release()
            #expect(try #require(try await second.nextResponse()).response.status.code == 0)
            #expect(try #require(try await first.nextResponse()).response.status.code == 0)
            #expect(try #require(try await first.nextResponse()).response.status.code == 0)
            // The budget was given back: a new call runs.
            try await expectEchoes(address, "after the burst")
            await first.close()
            await second.close()
        }
    }

    // MARK: refused peers

    @Test func refusedPeersLogOneWarningPerInterval() async throws {
        let records = LogRecords()
        let logger = Logger(label: "ttrpc.test.refusals") { _ in RecordingLogHandler(records: records) }
        let others: Set<UInt32> = [PeerCredentials.currentUID &+ 4242]
        let configuration = TTRPCServerConfiguration(peerUIDPolicy: .allowUIDs(others), refusalLogInterval: .seconds(600))
        let server = TTRPCServer(
            address: TransportKind.unix.address(), services: [.interopEcho], configuration: configuration, logger: logger)
        let address = try await server.bind()
        let running = Task { try await server.run() }
        defer { server.close() }
        for _ in 0..<20 {
            let raw = try await RawConnection(address: address)
            #expect(try await raw.next() == nil, "a peer of another uid must be refused")
            await raw.close()
        }
        let warnings = records.all.filter { $0.level >= .warning }
        // Before the fix: 20 identical warnings.
        #expect(warnings.map(\.message) == ["ttrpc: refusing connection"])
        #expect(warnings.first?.metadata["error"]?.description.contains("invalid credentials") == true)
        server.close()
        try await running.value
    }

    // MARK: helpers

    private func expectEchoes(_ address: TTRPCAddress, _ text: String) async throws {
        try await withClient(address) { client in
            let reply = try await client.call(
                service: echoService, method: "Echo", request: payload(text),
                responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(10))
            #expect(reply.text == text)
        }
    }
}

@Suite("Log rate limiter")
struct LogRateLimiterTests {
    @Test func firstLineThenOnePerIntervalCountingWhatItHid() {
        var limiter = LogRateLimiter(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(limiter.record(at: start) == .log(suppressed: 0))
        #expect(limiter.record(at: start + .seconds(1)) == .suppress)
        #expect(limiter.record(at: start + .seconds(9)) == .suppress)
        #expect(limiter.record(at: start + .seconds(10)) == .log(suppressed: 2))
        #expect(limiter.record(at: start + .seconds(11)) == .suppress)
        #expect(limiter.record(at: start + .seconds(60)) == .log(suppressed: 1))
    }

    @Test func zeroIntervalLogsEverything() {
        var limiter = LogRateLimiter(interval: .zero)
        let now = ContinuousClock.now
        #expect(limiter.record(at: now) == .log(suppressed: 0))
        #expect(limiter.record(at: now) == .log(suppressed: 0))
    }
}

@Suite("Server configuration")
struct ServerConfigurationValidationTests {
    @Test(arguments: [
        (TTRPCServerConfiguration(incompleteFrameTimeout: .zero), "ttrpc: incompleteFrameTimeout must be positive, got 0.0 seconds"),
        (TTRPCServerConfiguration(maxInFlightRequestsPerConnection: 0), "ttrpc: maxInFlightRequestsPerConnection must be positive, got 0"),
        (TTRPCServerConfiguration(maxConcurrentCalls: -1), "ttrpc: maxConcurrentCalls must be positive, got -1"),
        (TTRPCServerConfiguration(acceptBackoff: .zero), "ttrpc: acceptBackoff must be positive, got 0.0 seconds"),
    ])
    func refusesNamingTheKnob(configuration: TTRPCServerConfiguration, message: String) async throws {
        let server = TTRPCServer(
            address: TransportKind.unix.address(), services: [.interopEcho], configuration: configuration, logger: testLogger)
        await #expect(throws: TTRPCError(code: .invalidArgument, message: message)) {
            try await server.bind()
        }
        #expect(server.boundAddress == nil)
    }
}

/// Polls `condition` every 20 ms; fails the test after `limit` instead of hanging.
func waitUntil(
    within limit: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(limit)", sourceLocation: sourceLocation)
            throw TTRPCError(code: .deadlineExceeded, message: "waitUntil: \(limit) passed")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// `test.v1.Hold`: every `Hold` call waits until ``release()``; counts the calls that entered.
final class Holder: Sendable {
    static let name = "test.v1.Hold"
    private struct State {
        var entered = 0
        var released = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    var entered: Int { state.withLock { $0.entered } }

    var service: ServiceDefinition {
        var service = ServiceDefinition(name: Self.name)
        service.unary("Hold") { [self] (request: Ttrpc_Interop_V1_Payload, _: CallContext) async throws -> Ttrpc_Interop_V1_Payload in
            await hold()
            return request
        }
        return service
    }

    private func hold() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                state.entered += 1
                if state.released { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func release() {
        let waiting = state.withLock { state in
            state.released = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// Log lines kept in memory, so a test can count what the server logged.
final class LogRecords: Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }
    private let records = Mutex<[Record]>([])
    var all: [Record] { records.withLock { $0 } }
    func append(_ record: Record) { records.withLock { $0.append(record) } }
}

/// A swift-log handler writing into ``LogRecords``; no global bootstrap needed.
struct RecordingLogHandler: LogHandler {
    let records: LogRecords
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        records.append(.init(level: level, message: message.description, metadata: self.metadata.merging(metadata ?? [:]) { $1 }))
    }
}
