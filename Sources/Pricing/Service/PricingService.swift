import CopyTradeProto
import ModuleRuntime
import TTRPC

extension ServiceDefinition {
    /// The ttrpc name of the pricing service.
    public static let pricingName = "copytrade.v1.Pricing"

    /// `copytrade.v1.Pricing` served by `api` (usually a ``PricingHandler``).
    public static func pricing(_ api: any PricingAPI, onShutdown: (@Sendable () -> Void)? = nil) -> ServiceDefinition {
        var s = ServiceDefinition(name: pricingName)
        s.unary("ListSymbols") { (_: Copytrade_V1_ListSymbolsRequest, _) in try await api.listSymbols() }
        s.unary("GetSpec") { (r: Copytrade_V1_GetSpecRequest, _) in try await api.getSpec(r) }
        s.unary("SetMark") { (r: Copytrade_V1_SetMarkRequest, _) in try await api.setMark(r) }
        s.unary("GetQuote") { (r: Copytrade_V1_GetQuoteRequest, _) in try await api.getQuote(r) }
        s.unary("RoundPrice") { (r: Copytrade_V1_RoundRequest, _) in try await api.roundPrice(r) }
        s.unary("RoundQuantity") { (r: Copytrade_V1_RoundRequest, _) in try await api.roundQuantity(r) }
        s.moduleBasics(info: { try await api.info() }, onShutdown: onShutdown)
        return s
    }
}

/// The pricing module behind a socket.
public struct PricingRemote: PricingAPI {
    let remote: RemoteModule

    public init(client: TTRPCClient, timeout: Duration = .seconds(10)) {
        remote = RemoteModule(client: client, service: ServiceDefinition.pricingName, timeout: timeout)
    }

    public func listSymbols() async throws -> Copytrade_V1_ListSymbolsResponse { try await remote.call("ListSymbols", Copytrade_V1_ListSymbolsRequest()) }
    public func getSpec(_ r: Copytrade_V1_GetSpecRequest) async throws -> Copytrade_V1_SymbolSpec { try await remote.call("GetSpec", r) }
    public func setMark(_ r: Copytrade_V1_SetMarkRequest) async throws -> Copytrade_V1_Quote { try await remote.call("SetMark", r) }
    public func getQuote(_ r: Copytrade_V1_GetQuoteRequest) async throws -> Copytrade_V1_Quote { try await remote.call("GetQuote", r) }
    public func roundPrice(_ r: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse { try await remote.call("RoundPrice", r) }
    public func roundQuantity(_ r: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse { try await remote.call("RoundQuantity", r) }
    public func info() async throws -> Copytrade_V1_ModuleInfo { try await remote.info() }
}
