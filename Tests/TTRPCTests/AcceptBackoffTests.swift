import Foundation
import Testing
import TestSupport
@testable import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// At the process's descriptor limit accept fails; without a backoff the listener retries at
/// once, forever, and burns a core (issue 10). The server here is a real `copytrade-module`
/// started with a low `ulimit -n`, so the test exercises the kernel's EMFILE, not a mock.
@Suite("Accept backoff at the descriptor limit", .timeLimit(.minutes(3)))
struct AcceptBackoffTests {
    @Test func listenerAtTheDescriptorLimitWaitsInsteadOfSpinningAndRecovers() async throws {
        let module = Self.binary("copytrade-module")
        try #require(FileManager.default.isExecutableFile(atPath: module), "build first: \(module)")
        let socket = shortSocketPath()
        let limit = 48
        let server = try await ListeningChild.start(
            "/bin/sh", ["-c", "ulimit -n \(limit) && exec \"$0\" pricing --listen unix:\"$1\" --log-level error", module, socket],
            socket: socket, readiness: .handshakeLine)
        defer { server.kill() }
        let pid = server.child.pid

        // More clients than the server has descriptors: the last ones wait in the backlog,
        // and every accept the server tries for them fails with EMFILE.
        var clients: [Int32] = []
        defer { for fd in clients { close(fd) } }
        for _ in 0..<(limit + 16) { clients.append(try Self.connect(socket)) }
        try await waitUntil { (Self.openDescriptors(pid) ?? 0) >= limit - 1 }
        try await Task.sleep(for: .milliseconds(300))

        let before = try #require(Self.cpuSeconds(pid))
        let wall = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let used = try #require(Self.cpuSeconds(pid)) - before
        let share = used / ((ContinuousClock.now - wall) / .seconds(1))
        // Spinning costs a whole core (share near 1 before the fix); a retry a second costs nothing.
        #expect(share < 0.25, "server used \(used) s of CPU in 2 s while at its descriptor limit")

        for fd in clients { close(fd) }
        clients = []
        // Descriptors are free again: the listener accepts new clients.
        let status = try await withClient(.unix(path: socket)) { try await $0.healthCheck() }
        #expect(status == .serving)
        await server.stop()
    }

    static func binary(_ name: String) -> String {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
                          repo.appendingPathComponent(".build/debug")]
        let directory = candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent(name).path) }
            ?? repo.appendingPathComponent(".build/debug")
        return directory.appendingPathComponent(name).path
    }

    /// A plain blocking connect: the server's backlog completes it even when nobody accepts.
    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TTRPCError(code: .internal, message: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw TTRPCError(code: .internal, message: "connect \(path): errno \(code)")
        }
        return fd
    }

    static func openDescriptors(_ pid: pid_t) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// User plus system CPU time of `pid` from /proc/PID/stat (fields 14 and 15).
    static func cpuSeconds(_ pid: pid_t) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
