import CopyTradeProto
import ModuleRuntime
import TTRPC

extension ServiceDefinition {
    /// The ttrpc name of the sizing service.
    public static let sizingName = "copytrade.v1.Sizing"

    /// `copytrade.v1.Sizing` served by `api` (usually a ``SizingHandler``).
    public static func sizing(_ api: any SizingAPI, onShutdown: (@Sendable () -> Void)? = nil) -> ServiceDefinition {
        var s = ServiceDefinition(name: sizingName)
        s.unary("Size") { (r: Copytrade_V1_SizeRequest, _) in try await api.size(r) }
        s.unary("SizeBatch") { (r: Copytrade_V1_SizeBatchRequest, _) in try await api.sizeBatch(r) }
        s.unary("Recommend") { (r: Copytrade_V1_RecommendRequest, _) in try await api.recommend(r) }
        s.unary("CloseQuantity") { (r: Copytrade_V1_CloseQuantityRequest, _) in try await api.closeQuantity(r) }
        s.moduleBasics(info: { try await api.info() }, onShutdown: onShutdown)
        return s
    }
}

/// The sizing module behind a socket.
public struct SizingRemote: SizingAPI {
    let remote: RemoteModule

    public init(client: TTRPCClient, timeout: Duration = .seconds(10)) {
        remote = RemoteModule(client: client, service: ServiceDefinition.sizingName, timeout: timeout)
    }

    public func size(_ r: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision { try await remote.call("Size", r) }
    public func sizeBatch(_ r: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse { try await remote.call("SizeBatch", r) }
    public func recommend(_ r: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse { try await remote.call("Recommend", r) }
    public func closeQuantity(_ r: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse {
        try await remote.call("CloseQuantity", r)
    }
    public func info() async throws -> Copytrade_V1_ModuleInfo { try await remote.info() }
}
