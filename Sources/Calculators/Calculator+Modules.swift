import CopyTradeProto
import Margin
import ModuleRuntime
import Pricing
import Sizing
import Sync
import Logging
import TTRPC

extension Calculator {
    /// Runs `body` against a module's API: the in-process handler, or a remote client on a
    /// connection opened for this call. Remote domain refusals come back as `DomainError`.
    func withModule<API: Sendable, R: Sendable>(
        local: @autoclosure () -> API,
        remote: (TTRPCClient) -> API,
        _ body: (API) async throws -> R
    ) async throws -> R {
        switch endpoint {
        case .inProcess:
            return try await body(local())
        case .remote(let address):
            let client = try await TTRPCClient.connect(
                to: address, logger: Logger(label: "copyctl.calc"), tls: tls, token: token)
            do {
                let r = try await DomainErrorWire.rethrowing { try await body(remote(client)) }
                await client.close()
                return r
            } catch {
                await client.close()
                throw error
            }
        }
    }

    func margin<R: Sendable>(_ body: (any MarginAPI) async throws -> R) async throws -> R {
        try await withModule(local: MarginHandler() as any MarginAPI, remote: { MarginRemote(client: $0) }, body)
    }

    func sizing<R: Sendable>(_ body: (any SizingAPI) async throws -> R) async throws -> R {
        try await withModule(local: SizingHandler() as any SizingAPI, remote: { SizingRemote(client: $0) }, body)
    }

    func sync<R: Sendable>(_ body: (any SyncAPI) async throws -> R) async throws -> R {
        try await withModule(local: SyncHandler() as any SyncAPI, remote: { SyncRemote(client: $0) }, body)
    }
}
