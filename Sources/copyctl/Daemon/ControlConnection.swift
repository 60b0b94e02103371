import CopyTradeCore
import CopyTradeProto
import Logging
import ModuleRuntime
import SwiftProtobuf
import TTRPC

/// A connection to the coordinator's control socket for one command.
struct ControlConnection {
    let client: TTRPCClient

    static func open(_ global: GlobalOptions) async throws -> ControlConnection {
        let path = global.socket.hasPrefix("/") ? global.socket : FilePath.absolute(global.socket)
        do {
            let client = try await TTRPCClient.connect(to: .unix(path: path), logger: Logger(label: "copyctl"))
            return ControlConnection(client: client)
        } catch {
            throw TTRPCError(code: .unavailable, message: "cannot reach the coordinator at \(path) (is copytraded running?)")
        }
    }

    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(_ method: String, _ request: Request) async throws -> Response {
        try await DomainErrorWire.rethrowing {
            try await client.call(service: "copytrade.v1.Control", method: method, request: request,
                                  responseType: Response.self, timeout: .seconds(60))
        }
    }

    func close() async { await client.close() }
}

/// Runs `body` with a control connection, closing it afterwards.
func withControl<R>(_ global: GlobalOptions, _ body: (ControlConnection) async throws -> R) async throws -> R {
    let c = try await ControlConnection.open(global)
    do {
        let r = try await body(c)
        await c.close()
        return r
    } catch {
        await c.close()
        throw error
    }
}

enum FilePath {
    static func absolute(_ p: String) -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return p }
        let cwd = String(cString: buf)
        return cwd + "/" + (p.hasPrefix("./") ? String(p.dropFirst(2)) : p)
    }
}

#if canImport(Glibc)
import Glibc
#endif
