import CopyTradeProto
import Foundation
import Logging
import NIOCore
import NIOPosix
import TTRPC

/// One measured client→server pairing.
struct LatencyFigures {
    var p50: Double
    var p99: Double
    var callsPerSecond: Double
}

/// Unary echo round trips over Unix sockets: our client and server against containerd/ttrpc in
/// Go (the `ttrpc-peer` interop binary), in process and across processes, same calls and payload.
struct TTRPCBench {
    let options: TTRPCOptions
    let json: Bool
    let logger = Logger(label: "bench.ttrpc", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() async throws {
        let report = Report("ttrpc: unary round trip, \(options.payload) B payload, \(options.calls) calls per case, one call at a time",
                            columns: ["client → server", "where", "p50 µs", "p99 µs", "calls/s"], json: json)
        let peer = URL(fileURLWithPath: options.peer).standardizedFileURL.path
        let havePeer = FileManager.default.isExecutableFile(atPath: peer)
        let moduleBin = options.moduleBin ?? Self.sibling("copytrade-module")
        let haveModule = FileManager.default.isExecutableFile(atPath: moduleBin)
        var results: [String: LatencyFigures] = [:]

        func add(_ key: String, _ pair: String, _ place: String, _ f: LatencyFigures) {
            results[key] = f
            var o = JSONObject()
            o.set("bench", .string("ttrpc"))
            o.set("case", .string(key))
            o.set("client_server", .string(pair))
            o.set("where", .string(place))
            o.set("calls", .int(Int64(options.calls)))
            o.set("payload_bytes", .int(Int64(options.payload)))
            o.set("p50_us", .double(f.p50))
            o.set("p99_us", .double(f.p99))
            o.set("calls_per_sec", .double(f.callsPerSecond))
            report.add([pair, place, fmt(f.p50, 1), fmt(f.p99, 1), fmt(f.callsPerSecond)], json: o)
        }

        // 1. Ours in process: our client → our server on a temporary socket, same process.
        progress("ttrpc: swift client → swift server (in process)")
        add("swift-inproc", "Swift → Swift", "same process", try await swiftInProcess())
        progress("ttrpc: swift client → swift server (in process, caller on the client's event loop)")
        add("swift-inproc-loop", "Swift → Swift, caller on the client's loop", "same process", try await swiftInProcess(onClientLoop: true))
        progress("ttrpc: swift client → swift server (in process, server, client and caller on one event loop)")
        add("swift-inproc-oneloop", "Swift → Swift, one event loop", "same process",
            try await swiftInProcess(onClientLoop: true, oneLoop: true))

        // 2. Go in process: ttrpc-peer selfbench.
        if havePeer {
            progress("ttrpc: go client → go server (in process, ttrpc-peer selfbench)")
            add("go-inproc", "Go → Go", "same process", try goBench(["selfbench"]))
        } else {
            report.note("Go peer \(peer) is missing (run tools/interop/build.sh): Go rows skipped, ours only.")
        }

        // 3. Across processes: a separate Go server (ttrpc-peer serve), Go client and our client.
        if havePeer {
            let socket = Self.socketPath("go")
            let server = try ChildServer.start(executable: peer, arguments: ["serve", "--socket", socket], readyPrefix: "READY")
            defer { server.stop() }
            progress("ttrpc: go client → go server (separate processes)")
            add("go-xproc", "Go → Go", "separate processes", try goBench(["bench", "--socket", socket]))
            progress("ttrpc: swift client → go server (separate processes)")
            add("swift-to-go-xproc", "Swift → Go", "separate processes", try await swiftClient(.unix(path: socket)))
        }

        // 4. Our server in another process: copytrade-module echo.
        if haveModule {
            let socket = Self.socketPath("swift")
            let server = try ChildServer.start(executable: moduleBin, arguments: ["echo", "--listen", "unix:\(socket)", "--log-level", "error"],
                                               readyPrefix: "COPYTRADE-PLUGIN|")
            defer { server.stop() }
            progress("ttrpc: swift client → swift server (separate processes)")
            add("swift-xproc", "Swift → Swift", "separate processes", try await swiftClient(.unix(path: socket)))
            progress("ttrpc: swift client → swift server (separate processes, caller on the client's event loop)")
            add("swift-xproc-loop", "Swift → Swift, caller on the client's loop", "separate processes",
                try await swiftClient(.unix(path: socket), onClientLoop: true))
            if havePeer {
                progress("ttrpc: go client → swift server (separate processes)")
                add("go-to-swift-xproc", "Go → Swift", "separate processes", try goBench(["bench", "--socket", socket]))
            }
        } else {
            report.note("copytrade-module not found at \(moduleBin): the separate-process Swift server rows are skipped.")
        }

        // Ratios, p50 ours / Go: < 1 means ours is faster.
        func ratio(_ name: String, _ ours: String, _ go: String) {
            guard let a = results[ours], let b = results[go] else { return }
            let r = a.p50 / b.p50
            var o = JSONObject()
            o.set("bench", .string("ttrpc.ratio"))
            o.set("case", .string(name))
            o.set("ours", .string(ours))
            o.set("go", .string(go))
            o.set("p50_ratio", .double(r))
            o.set("target_met", .bool(r <= 1.0))
            report.add(["p50 ratio ours/Go: \(name)", "", String(format: "%.2f", r), "", r <= 1.0 ? "target met" : "TARGET MISSED"], json: o)
        }
        ratio("in process (Swift→Swift / Go→Go)", "swift-inproc", "go-inproc")
        ratio("separate processes (Swift→Swift / Go→Go)", "swift-xproc", "go-xproc")
        ratio("in process, caller on the client's loop", "swift-inproc-loop", "go-inproc")
        ratio("in process, one event loop", "swift-inproc-oneloop", "go-inproc")
        ratio("separate processes, caller on the client's loop", "swift-xproc-loop", "go-xproc")
        ratio("client only (Swift→Go / Go→Go)", "swift-to-go-xproc", "go-xproc")
        ratio("server only (Go→Swift / Go→Go)", "go-to-swift-xproc", "go-xproc")
        report.finish()
    }

    // MARK: Swift client

    /// `oneLoop`: the server and the client share one event loop (both given it as their group),
    /// the set-up docs/decisions.md recommends for a server and its client in one process.
    func swiftInProcess(onClientLoop: Bool = false, oneLoop: Bool = false) async throws -> LatencyFigures {
        let path = Self.socketPath("inproc")
        let group: any EventLoopGroup = oneLoop ? MultiThreadedEventLoopGroup.singleton.next() : MultiThreadedEventLoopGroup.singleton
        let server = TTRPCServer(address: .unix(path: path), services: [.interopEcho], logger: logger, group: group)
        let address = try await server.bind()
        let serving = Task { try await server.run() }
        defer {
            server.close()
            serving.cancel()
        }
        return try await swiftClient(address, onClientLoop: onClientLoop, group: group)
    }

    /// Sequential echo calls from one client, warmed up like the Go peer (calls/10, at most 1000).
    /// `onClientLoop`: the calling loop runs with a task executor preference for the client's
    /// event loop (`TTRPCClient.executor`), as the coordinator's module calls do.
    func swiftClient(
        _ address: TTRPCAddress, onClientLoop: Bool = false,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> LatencyFigures {
        let client = try await TTRPCClient.connect(to: address, logger: logger, group: group)
        if onClientLoop {
            return try await withTaskExecutorPreference(client.executor) { try await calls(client) }
        }
        return try await calls(client)
    }

    private func calls(_ client: TTRPCClient) async throws -> LatencyFigures {
        var request = Ttrpc_Interop_V1_Payload()
        request.value = Data(repeating: 0x61, count: options.payload)
        let service = ServiceDefinition.interopEchoServiceName
        for _ in 0..<min(options.calls / 10, 1000) {
            _ = try await client.call(service: service, method: "Echo", request: request, responseType: Ttrpc_Interop_V1_Payload.self)
        }
        var samples = [Double](repeating: 0, count: options.calls)
        let start = nowNanos()
        for i in 0..<options.calls {
            let t0 = nowNanos()
            let r = try await client.call(service: service, method: "Echo", request: request, responseType: Ttrpc_Interop_V1_Payload.self)
            samples[i] = Double(nowNanos() - t0) / 1000
            if r.value.count != options.payload { throw BenchError("echo returned \(r.value.count) bytes") }
        }
        let total = seconds(since: start)
        await client.close()
        samples.sort()
        return LatencyFigures(p50: percentile(samples, 50), p99: percentile(samples, 99), callsPerSecond: Double(options.calls) / total)
    }

    // MARK: Go client

    /// Runs `ttrpc-peer <args> --calls N --payload P --json` and reads its one JSON line.
    func goBench(_ args: [String]) throws -> LatencyFigures {
        let out = try runProcess(options.peer, args + ["--calls", "\(options.calls)", "--payload", "\(options.payload)", "--json"])
        guard let line = out.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let p50 = (object["p50_us"] as? NSNumber)?.doubleValue, let p99 = (object["p99_us"] as? NSNumber)?.doubleValue,
              let cps = (object["calls_per_sec"] as? NSNumber)?.doubleValue else {
            throw BenchError("unexpected ttrpc-peer output: \(out)")
        }
        return LatencyFigures(p50: p50, p99: p99, callsPerSecond: cps)
    }

    // MARK: Paths

    static func socketPath(_ tag: String) -> String {
        "/tmp/ct-bench-\(getpid())-\(tag)-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    /// An executable next to this one (both live in the SwiftPM bin directory).
    static func sibling(_ name: String) -> String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let dir = FileManager.default.fileExists(atPath: me.path) ? me.deletingLastPathComponent()
            : URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return dir.appendingPathComponent(name).path
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Runs a command to completion and returns its stdout; a non-zero exit throws with stderr.
func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw BenchError("\(executable) \(arguments.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self))")
    }
    return String(decoding: data, as: UTF8.self)
}

/// A server in a child process that prints a ready line on stdout; stopped with SIGTERM and by
/// closing its stdin (the Go peer exits when its stdin pipe closes).
final class ChildServer {
    let process: Process
    let stdin: Pipe

    private init(process: Process, stdin: Pipe) {
        self.process = process
        self.stdin = stdin
    }

    static func start(executable: String, arguments: [String], readyPrefix: String) throws -> ChildServer {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardInput = input
        p.standardError = FileHandle.nullDevice
        try p.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            if String(decoding: buffer, as: UTF8.self).split(separator: "\n").contains(where: { $0.hasPrefix(readyPrefix) }) {
                return ChildServer(process: p, stdin: input)
            }
        }
        p.terminate()
        throw BenchError("\(executable) did not print \(readyPrefix): \(String(decoding: buffer, as: UTF8.self))")
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
