import CopyTradeProto
import Foundation
import SwiftProtobuf
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// A ttrpc peer on a bare Unix socket that reads only when told to: a client too slow to keep
/// up (a `watch` that never reads), or one whose answer is still in the daemon's buffers when
/// SIGTERM arrives. It checks frames byte by byte, so a cut-off answer shows as one.
final class RawTTRPCSocket: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0, "socket: \(errno)")
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long: \(path)")
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(connected == 0, "connect \(path): \(errno)")
        // A read waits at most this long, so a test never hangs on a silent daemon.
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends one request frame on `stream`.
    func send<M: SwiftProtobuf.Message>(_ method: String, _ message: M, stream: UInt32,
                                       service: String = "copytrade.v1.Control") throws {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = try message.serializedBytes()
        let payload: [UInt8] = try request.serializedBytes()
        var frame: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: UInt32(payload.count) >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: stream >> UInt32(shift))) }
        frame += [1, 0] + payload  // type 1: request; no flags
        var sent = 0
        while sent < frame.count {
            let n = frame[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            try #require(n > 0, "write: \(errno)")
            sent += n
        }
    }

    /// What came back on a stream: its data frames, then its response (nil when the
    /// connection ended first), and whether the connection ended inside a frame.
    struct Reply: Sendable {
        var data: [[UInt8]] = []
        var response: Ttrpc_Response?
        var cutMidFrame = false
    }

    /// Reads frames until `stream`'s response, or the end of the connection.
    func readReply(stream: UInt32) -> Reply {
        var reply = Reply()
        while true {
            while let (header, payload) = nextFrame() {
                let length = Int(header.0)
                precondition(payload.count == length)
                guard header.1 == stream else { continue }
                if header.2 == 3 {
                    reply.data.append(payload)
                } else if header.2 == 2 {
                    reply.response = try? Ttrpc_Response(serializedBytes: payload)
                    return reply
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                reply.cutMidFrame = !buffer.isEmpty
                return reply
            }
            buffer += chunk[..<n]
        }
    }

    /// ``readReply(stream:)`` on a thread of its own: the blocking reads stay off the
    /// cooperative pool the tests share.
    func reply(stream: UInt32) async -> Reply {
        await withCheckedContinuation { c in
            Thread { c.resume(returning: self.readReply(stream: stream)) }.start()
        }
    }

    /// One whole frame off the front of the buffer: (length, stream, type) and payload.
    private func nextFrame() -> ((UInt32, UInt32, UInt8), [UInt8])? {
        guard buffer.count >= 10 else { return nil }
        let length = buffer[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let stream = buffer[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard buffer.count >= 10 + Int(length) else { return nil }
        let payload = Array(buffer[10..<(10 + Int(length))])
        let type = buffer[8]
        buffer.removeFirst(10 + Int(length))
        return ((length, stream, type), payload)
    }
}
