import CopyTradeProto

/// The copy sizing module in wire types, implemented in process (``SizingHandler``) and
/// remotely (``SizingRemote``).
public protocol SizingAPI: Sendable {
    func size(_ request: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision
    func sizeBatch(_ request: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse
    func recommend(_ request: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse
    func closeQuantity(_ request: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse
    func info() async throws -> Copytrade_V1_ModuleInfo
}
