import CopyTradeProto
import SwiftProtobuf

/// Module batches are split so no request nears ttrpc's 4 MiB frame limit when the module runs
/// behind a socket (a SizeRequest is ~40 bytes, an EvaluateRequest ~150): 100,000 copiers are
/// twenty calls, not one refused frame. Answers are joined back in order.
extension Engine {
    static let batchLimit = 5_000

    func sizeBatch(_ r: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        try await inParts(r.items, { items in
            var part = r
            part.items = items
            return try await modules.sizing.sizeBatch(part)
        }, merge: { out, a in
            out.decisions += a.decisions
            out.errors += a.errors.isEmpty ? Array(repeating: "", count: a.decisions.count) : a.errors
        })
    }

    func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        try await inParts(r.requests, { requests in
            var part = Copytrade_V1_EvaluateBatchRequest()
            part.requests = requests
            return try await modules.margin.evaluateBatch(part)
        }, merge: { out, a in
            out.evaluations += a.evaluations
            out.errors += a.errors.isEmpty ? Array(repeating: "", count: a.evaluations.count) : a.errors
        })
    }

    func decideBatch(_ r: Copytrade_V1_SyncBatchRequest) async throws -> Copytrade_V1_SyncBatchResponse {
        try await inParts(r.copiers, { copiers in
            var part = r
            part.copiers = copiers
            return try await modules.sync.decideBatch(part)
        }, merge: { out, a in out.decisions += a.decisions })
    }

    /// One call when `items` fit in a batch; otherwise one call per `batchLimit` items, in
    /// order, each answer merged into the joined one.
    private func inParts<Item, Answer: SwiftProtobuf.Message>(
        _ items: [Item], _ call: ([Item]) async throws -> Answer, merge: (inout Answer, Answer) -> Void
    ) async throws -> Answer {
        guard items.count > Self.batchLimit else { return try await call(items) }
        var out = Answer()
        for start in stride(from: 0, to: items.count, by: Self.batchLimit) {
            merge(&out, try await call(Array(items[start..<min(start + Self.batchLimit, items.count)])))
        }
        return out
    }
}
