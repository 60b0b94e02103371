import Foundation
import Logging
import NIOCore
import NIOPosix
import SwiftProtobuf
import Testing
@testable import TTRPC

#if canImport(Glibc)
import Glibc
#endif

let testLogger = Logger(label: "ttrpc.test", factory: { _ in SwiftLogNoOpLogHandler() })
let echoService = ServiceDefinition.interopEchoServiceName

/// The transports the integration tests run over.
enum TransportKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case unix, tcp
    var description: String { rawValue }

    func address() -> TTRPCAddress {
        switch self {
        case .unix: .unix(path: shortSocketPath())
        case .tcp: .tcp(host: "127.0.0.1", port: 0)
        }
    }
}

/// A fresh socket path under /tmp, well below the 108-byte sun_path limit.
func shortSocketPath() -> String {
    "/tmp/tt-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
}

func payload(_ text: String) -> Ttrpc_Interop_V1_Payload {
    var message = Ttrpc_Interop_V1_Payload()
    message.value = Data(text.utf8)
    return message
}

extension Ttrpc_Interop_V1_Payload {
    var text: String { String(decoding: value, as: UTF8.self) }
}

/// Runs `body` against a started server and always tears it down.
func withServer<T: Sendable>(
    _ transport: TransportKind = .unix,
    services: [ServiceDefinition] = [.interopEcho],
    configuration: TTRPCServerConfiguration = TTRPCServerConfiguration(),
    _ body: (TTRPCServer, TTRPCAddress) async throws -> T
) async throws -> T {
    let server = TTRPCServer(
        address: transport.address(), services: services, configuration: configuration, logger: testLogger)
    let address = try await server.bind()
    let running = Task { try await server.run() }
    do {
        let result = try await body(server, address)
        server.close()
        try await running.value
        return result
    } catch {
        server.close()
        _ = try? await running.value
        throw error
    }
}

/// Runs `body` with a connected client, closing it afterwards.
func withClient<T: Sendable>(
    _ address: TTRPCAddress, _ body: (TTRPCClient) async throws -> T
) async throws -> T {
    let client = try await TTRPCClient.connect(to: address, logger: testLogger)
    do {
        let result = try await body(client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

/// Asserts that `body` throws a ``TTRPCError`` with `code`; returns it for further checks.
@discardableResult
func expectStatus(
    _ code: StatusCode, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> TTRPCError? {
    do {
        try await body()
        Issue.record("expected \(code), call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as TTRPCError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected TTRPCError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Builds a raw `ttrpc.Request` frame, for tests that talk to the server without our client.
func requestFrame(
    streamID: UInt32, service: String = echoService, method: String = "Echo",
    payload: Data = Data("hi".utf8), timeoutNano: Int64 = 0, type: FrameType = .request
) throws -> ByteBuffer {
    var request = Ttrpc_Request()
    request.service = service
    request.method = method
    request.payload = try Ttrpc_Interop_V1_Payload.with { $0.value = payload }.serializedBytes()
    request.timeoutNano = timeoutNano
    let body: [UInt8] = try request.serializedBytes()
    var buffer = ByteBuffer()
    buffer.writeFrameHeader(FrameHeader(length: UInt32(body.count), streamID: streamID, type: type))
    buffer.writeBytes(body)
    return buffer
}
