import CopyTradeProto
import SwiftProtobuf
import TTRPC

/// A module behind a socket: one ttrpc client and the service name, with the call timeout every
/// module call carries so a hung peer fails the call instead of wedging the caller.
public struct RemoteModule: Sendable {
    public let client: TTRPCClient
    public let service: String
    public var timeout: Duration

    public init(client: TTRPCClient, service: String, timeout: Duration = .seconds(10)) {
        self.client = client
        self.service = service
        self.timeout = timeout
    }

    /// Calls `method`; domain refusals come back as `DomainError`.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, as: Response.Type = Response.self
    ) async throws -> Response {
        try await DomainErrorWire.rethrowing {
            try await client.call(service: service, method: method, request: request,
                                  responseType: Response.self, timeout: timeout)
        }
    }

    /// The module's identity (`Info`).
    public func info() async throws -> Copytrade_V1_ModuleInfo {
        try await call("Info", Copytrade_V1_ModuleInfoRequest())
    }

    /// Asks the module process to finish and exit (`Shutdown`).
    public func shutdown() async throws {
        let _: Copytrade_V1_ShutdownResponse = try await call("Shutdown", Copytrade_V1_ShutdownRequest())
    }
}

extension ServiceDefinition {
    /// Registers the `Info` and `Shutdown` methods every module service answers.
    public mutating func moduleBasics(info: @escaping @Sendable () async throws -> Copytrade_V1_ModuleInfo,
                                      onShutdown: (@Sendable () -> Void)?) {
        unary("Info") { (_: Copytrade_V1_ModuleInfoRequest, _) in try await info() }
        unary("Shutdown") { (_: Copytrade_V1_ShutdownRequest, _) in
            guard let onShutdown else {
                throw TTRPCError(code: .unimplemented, message: "this module is not a separate process")
            }
            onShutdown()
            return Copytrade_V1_ShutdownResponse()
        }
    }
}
