import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import TTRPC

#if canImport(Glibc)
import Glibc
#endif

@Suite("Transports and peer checks", .timeLimit(.minutes(1)))
struct TransportTests {
    @Test func unixSocketFileIsOwnerOnlyAndRemovedOnShutdown() async throws {
        let path = try await withServer(.unix) { _, address -> String in
            guard case .unix(let path) = address else { throw TTRPCError(code: .internal, message: "not unix") }
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            return path
        }
        #expect(access(path, F_OK) != 0, "socket file should be gone after shutdown")
    }

    @Test func staleSocketFileIsReplaced() async throws {
        let path = shortSocketPath()
        // Leave a dead socket file behind, as a crashed server would: bound, never unlinked.
        try makeStaleSocketFile(at: path)
        #expect(access(path, F_OK) == 0)
        let server = TTRPCServer(address: .unix(path: path), services: [.interopEcho], logger: testLogger)
        let address = try await server.bind()
        let running = Task { try await server.run() }
        let status = try await withClient(address) { try await $0.healthCheck() }
        #expect(status == .serving)
        server.close()
        try await running.value
    }

    @Test func sameUIDPeerIsAcceptedAndSeesCredentials() async throws {
        try await withServer(services: [probeService()]) { _, address in
            try await withClient(address) { client in
                let reply = try await client.call(
                    service: "test.v1.Probe", method: "Peer", request: payload(""),
                    responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
                #expect(reply.text == "uid=\(geteuid()) deadline=true")
            }
        }
    }

    @Test func peerOutsideAllowedUIDsIsRefused() async throws {
        let others: Set<UInt32> = [PeerCredentials.currentUID &+ 4242]
        try await withServer(configuration: TTRPCServerConfiguration(peerUIDPolicy: .allowUIDs(others))) { server, address in
            let client = try await TTRPCClient.connect(to: address, logger: testLogger)
            await expectStatus(.unavailable) {
                _ = try await client.healthCheck()
            }
            #expect(server.connectionCount == 0)
            await client.close()
        }
    }

    @Test func allowListContainingCurrentUIDIsAccepted() async throws {
        let policy = PeerUIDPolicy.allowUIDs([PeerCredentials.currentUID])
        try await withServer(configuration: TTRPCServerConfiguration(peerUIDPolicy: policy)) { _, address in
            let status = try await withClient(address) { try await $0.healthCheck() }
            #expect(status == .serving)
        }
    }

    @Test func servesAndCallsOverInheritedDescriptors() async throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let server = TTRPCServer(address: nil, services: [.interopEcho], logger: testLogger)
        let serverFD = fds[0]
        let serving = Task { try await server.serveConnection(descriptor: serverFD) }
        let client = try await TTRPCClient.connect(descriptor: fds[1], logger: testLogger)
        let reply = try await client.call(
            service: echoService, method: "Echo", request: payload("over fd"),
            responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5))
        #expect(reply.text == "over fd")
        await client.close()
        try await serving.value  // returns once the peer closed
        server.close()
    }

    @Test func tcpBindReportsRealPort() async throws {
        try await withServer(.tcp) { server, address in
            guard case .tcp(_, let port) = address else {
                Issue.record("expected tcp address")
                return
            }
            #expect(port > 0)
            #expect(server.boundAddress == address)
        }
    }

    @Test func connectFailureIsUnavailable() async throws {
        await expectStatus(.unavailable) {
            _ = try await TTRPCClient.connect(to: .unix(path: shortSocketPath()), logger: testLogger)
        }
    }
}

/// Binds a Unix socket at `path` and closes it without unlinking, leaving a stale file.
func makeStaleSocketFile(at path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TTRPCError(code: .internal, message: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: path.utf8)
        raw[path.utf8.count] = 0
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard result == 0 else { throw TTRPCError(code: .internal, message: "bind failed: \(errno)") }
}
