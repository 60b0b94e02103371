import CopyTradeProto

/// The margin sync module in wire types, implemented in process (``SyncHandler``) and remotely
/// (``SyncRemote``).
public protocol SyncAPI: Sendable {
    func decide(_ request: Copytrade_V1_SyncRequest) async throws -> Copytrade_V1_SyncDecision
    func decideBatch(_ request: Copytrade_V1_SyncBatchRequest) async throws -> Copytrade_V1_SyncBatchResponse
    func checkEligibility(_ request: Copytrade_V1_EligibilityRequest) async throws -> Copytrade_V1_EligibilityResponse
    func info() async throws -> Copytrade_V1_ModuleInfo
}
