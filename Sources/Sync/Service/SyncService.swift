import CopyTradeProto
import ModuleRuntime
import TTRPC

extension ServiceDefinition {
    /// The ttrpc name of the sync service.
    public static let syncName = "copytrade.v1.Sync"

    /// `copytrade.v1.Sync` served by `api` (usually a ``SyncHandler``).
    public static func sync(_ api: any SyncAPI, onShutdown: (@Sendable () -> Void)? = nil) -> ServiceDefinition {
        var s = ServiceDefinition(name: syncName)
        s.unary("Decide") { (r: Copytrade_V1_SyncRequest, _) in try await api.decide(r) }
        s.unary("DecideBatch") { (r: Copytrade_V1_SyncBatchRequest, _) in try await api.decideBatch(r) }
        s.unary("CheckEligibility") { (r: Copytrade_V1_EligibilityRequest, _) in try await api.checkEligibility(r) }
        s.moduleBasics(info: { try await api.info() }, onShutdown: onShutdown)
        return s
    }
}

/// The sync module behind a socket.
public struct SyncRemote: SyncAPI {
    let remote: RemoteModule

    public init(client: TTRPCClient, timeout: Duration = .seconds(10)) {
        remote = RemoteModule(client: client, service: ServiceDefinition.syncName, timeout: timeout)
    }

    public func decide(_ r: Copytrade_V1_SyncRequest) async throws -> Copytrade_V1_SyncDecision { try await remote.call("Decide", r) }
    public func decideBatch(_ r: Copytrade_V1_SyncBatchRequest) async throws -> Copytrade_V1_SyncBatchResponse { try await remote.call("DecideBatch", r) }
    public func checkEligibility(_ r: Copytrade_V1_EligibilityRequest) async throws -> Copytrade_V1_EligibilityResponse {
        try await remote.call("CheckEligibility", r)
    }
    public func info() async throws -> Copytrade_V1_ModuleInfo { try await remote.info() }
}
