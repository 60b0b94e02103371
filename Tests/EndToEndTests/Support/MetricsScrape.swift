import Foundation
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's `GET /metrics`, fetched over a real TCP connection (HTTP/1.1, one request, the
/// server closes), and read as the Prometheus text format: `name{labels} value` per line.
struct MetricsScrape {
    let status: Int
    let headers: String
    let body: String

    /// Fetches `path` from `127.0.0.1:port` with NIO (no thread blocks while waiting).
    static func get(port: Int, path: String = "/metrics") async throws -> MetricsScrape {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let raw = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"))
            var all = ByteBuffer()
            for try await var chunk in inbound { all.writeBuffer(&chunk) }
            return String(buffer: all)
        }
        guard let split = raw.range(of: "\r\n\r\n") else {
            throw ScrapeError(message: "no complete HTTP response: \(raw.prefix(200))")
        }
        let head = String(raw[..<split.lowerBound])
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return MetricsScrape(status: status, headers: head, body: String(raw[split.upperBound...]))
    }

    /// The value of one series, written exactly as the exposition writes it
    /// (`copytrade_inputs_total{kind="deposit",outcome="accepted"}`); nil when absent.
    func value(_ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Every series line of a metric name (for messages when a value is not what was expected).
    func lines(_ name: String) -> [String] {
        body.split(separator: "\n").map(String.init).filter { $0.hasPrefix(name) }
    }

    struct ScrapeError: Error { var message: String }

    /// A TCP port nothing listens on now: bound to port 0 and released, for `--metrics-listen`.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0, "socket: \(errno)")
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(bound == 0, "bind: \(errno)")
        let named = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        try #require(named == 0, "getsockname: \(errno)")
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
