import CopyTradeProto

/// The pricing module in wire types, implemented in process (``PricingHandler``) and remotely
/// (``PricingRemote``).
public protocol PricingAPI: Sendable {
    func listSymbols() async throws -> Copytrade_V1_ListSymbolsResponse
    func getSpec(_ request: Copytrade_V1_GetSpecRequest) async throws -> Copytrade_V1_SymbolSpec
    func setMark(_ request: Copytrade_V1_SetMarkRequest) async throws -> Copytrade_V1_Quote
    func getQuote(_ request: Copytrade_V1_GetQuoteRequest) async throws -> Copytrade_V1_Quote
    func roundPrice(_ request: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse
    func roundQuantity(_ request: Copytrade_V1_RoundRequest) async throws -> Copytrade_V1_RoundResponse
    func info() async throws -> Copytrade_V1_ModuleInfo
}
