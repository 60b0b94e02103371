import Foundation
import Logging

/// Result of ``TTRPCLatencyBenchmark/run(calls:payloadBytes:)``.
public struct LatencyReport: Sendable, Hashable, CustomStringConvertible {
    public var calls: Int
    public var payloadBytes: Int
    public var p50Microseconds: Int64
    public var p99Microseconds: Int64
    public var maxMicroseconds: Int64
    public var callsPerSecond: Int64

    public var description: String {
        "\(calls) calls, \(payloadBytes) B payload: p50 \(p50Microseconds) µs, p99 \(p99Microseconds) µs, "
            + "max \(maxMicroseconds) µs, \(callsPerSecond) calls/s"
    }
}

/// Round-trip latency of our client against our server with the interop echo service over a
/// temporary Unix socket, one call at a time — the figure that matters for a plugin hop.
public enum TTRPCLatencyBenchmark {
    /// - Parameter onClientEventLoop: make the calls with a task executor preference for the
    ///   client connection's event loop (``TTRPCClient/executor``) instead of from the global
    ///   executor.
    public static func run(
        calls: Int, payloadBytes: Int, onClientEventLoop: Bool = false, logger: Logger? = nil
    ) async throws -> LatencyReport {
        precondition(calls > 0, "calls must be positive")
        let logger = logger ?? Logger(label: "ttrpc.bench", factory: { _ in SwiftLogNoOpLogHandler() })
        let path = "/tmp/ttrpc-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let server = TTRPCServer(address: .unix(path: path), services: [.interopEcho], logger: logger)
        let address = try await server.bind()
        let serving = Task { try await server.run() }
        let samples: [Int64]
        let total: Duration
        do {
            (samples, total) = try await measure(
                calls: calls, payloadBytes: payloadBytes, onClientEventLoop: onClientEventLoop, address: address,
                logger: logger)
        } catch {
            server.close()
            _ = try? await serving.value
            throw error
        }
        // Wait for the listener to close so the socket file is gone when we return.
        server.close()
        _ = try? await serving.value
        let sorted = samples.sorted()
        let totalMicros = max(1, microseconds(total))
        return LatencyReport(
            calls: calls, payloadBytes: payloadBytes,
            p50Microseconds: percentile(sorted, 50), p99Microseconds: percentile(sorted, 99),
            maxMicroseconds: sorted.last ?? 0,
            callsPerSecond: Int64(calls) * 1_000_000 / totalMicros)
    }

    /// Sequential calls from one client; returns per-call latencies and the total time.
    private static func measure(
        calls: Int, payloadBytes: Int, onClientEventLoop: Bool, address: TTRPCAddress, logger: Logger
    ) async throws -> ([Int64], Duration) {
        let client = try await TTRPCClient.connect(to: address, logger: logger)
        let result =
            onClientEventLoop
            ? try await withTaskExecutorPreference(client.executor) {
                try await measure(calls: calls, payloadBytes: payloadBytes, client: client)
            }
            : try await measure(calls: calls, payloadBytes: payloadBytes, client: client)
        await client.close()
        return result
    }

    private static func measure(
        calls: Int, payloadBytes: Int, client: TTRPCClient
    ) async throws -> ([Int64], Duration) {
        var request = Ttrpc_Interop_V1_Payload()
        request.value = Data(repeating: 0x61, count: payloadBytes)
        // Warm up connection, allocator and code paths.
        for _ in 0..<min(100, calls) {
            _ = try await client.call(
                service: ServiceDefinition.interopEchoServiceName, method: "Echo", request: request,
                responseType: Ttrpc_Interop_V1_Payload.self)
        }
        let clock = ContinuousClock()
        var samples: [Int64] = []
        samples.reserveCapacity(calls)
        let started = clock.now
        for _ in 0..<calls {
            let begin = clock.now
            _ = try await client.call(
                service: ServiceDefinition.interopEchoServiceName, method: "Echo", request: request,
                responseType: Ttrpc_Interop_V1_Payload.self)
            samples.append(microseconds(clock.now - begin))
        }
        let total = clock.now - started
        return (samples, total)
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// Nearest-rank percentile of sorted samples.
    static func percentile(_ sorted: [Int64], _ p: Int) -> Int64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = (p * sorted.count + 99) / 100
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
