import CopyTradeCore
import Margin
import Sizing
import Sync

/// Module batches are split so no request nears ttrpc's 4 MiB frame limit when the module runs
/// behind a socket (a SizeRequest is ~40 bytes, an EvaluateRequest ~150): 100,000 copiers are
/// twenty calls, not one refused frame. The split is made here, on domain values, so it is the
/// same in process and out of process (docs/decisions.md, "Coordinator"); answers are joined
/// back in order.
extension Engine {
    static let batchLimit = 5_000

    func plan(_ orders: [CopyOrderRequest]) async throws -> [CopySizingAnswer] {
        try await inParts(orders) { try await modules.sizing.plan($0) }
    }

    func evaluate(all checks: [PositionCheck]) async throws -> [Result<PositionFigures, ModuleRefusal>] {
        try await inParts(checks) { try await modules.margin.evaluate(all: $0) }
    }

    func decide(_ signal: MarginSyncSignal, for copiers: [CopierMarginState]) async throws -> [CopierSyncAnswer] {
        try await inParts(copiers) { try await modules.sync.decide(signal, for: $0, maxDelay: config.maxSignalDelayMs) }
    }

    /// One call when `items` fit in a batch; otherwise one call per `batchLimit` items, in
    /// order, the answers joined.
    private func inParts<Item, Answer>(_ items: [Item], _ call: ([Item]) async throws -> [Answer]) async throws -> [Answer] {
        guard items.count > Self.batchLimit else { return try await call(items) }
        var out: [Answer] = []
        out.reserveCapacity(items.count)
        for start in stride(from: 0, to: items.count, by: Self.batchLimit) {
            out += try await call(Array(items[start..<min(start + Self.batchLimit, items.count)]))
        }
        return out
    }
}
