import CopyTradeProto

/// Module batches are split so no request nears ttrpc's 4 MiB frame limit when the module runs
/// behind a socket (a SizeRequest is ~40 bytes, an EvaluateRequest ~150): 100,000 copiers are
/// twenty calls, not one refused frame. Answers are joined back in order.
extension Engine {
    static let batchLimit = 5_000

    func sizeBatch(_ r: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        guard r.items.count > Self.batchLimit else { return try await modules.sizing.sizeBatch(r) }
        var out = Copytrade_V1_SizeBatchResponse()
        for start in stride(from: 0, to: r.items.count, by: Self.batchLimit) {
            var part = r
            part.items = Array(r.items[start..<min(start + Self.batchLimit, r.items.count)])
            let a = try await modules.sizing.sizeBatch(part)
            out.decisions += a.decisions
            out.errors += a.errors.isEmpty ? Array(repeating: "", count: a.decisions.count) : a.errors
        }
        return out
    }

    func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        guard r.requests.count > Self.batchLimit else { return try await modules.margin.evaluateBatch(r) }
        var out = Copytrade_V1_EvaluateBatchResponse()
        for start in stride(from: 0, to: r.requests.count, by: Self.batchLimit) {
            var part = Copytrade_V1_EvaluateBatchRequest()
            part.requests = Array(r.requests[start..<min(start + Self.batchLimit, r.requests.count)])
            let a = try await modules.margin.evaluateBatch(part)
            out.evaluations += a.evaluations
            out.errors += a.errors.isEmpty ? Array(repeating: "", count: a.evaluations.count) : a.errors
        }
        return out
    }

    func decideBatch(_ r: Copytrade_V1_SyncBatchRequest) async throws -> Copytrade_V1_SyncBatchResponse {
        guard r.copiers.count > Self.batchLimit else { return try await modules.sync.decideBatch(r) }
        var out = Copytrade_V1_SyncBatchResponse()
        for start in stride(from: 0, to: r.copiers.count, by: Self.batchLimit) {
            var part = r
            part.copiers = Array(r.copiers[start..<min(start + Self.batchLimit, r.copiers.count)])
            out.decisions += try await modules.sync.decideBatch(part).decisions
        }
        return out
    }
}
