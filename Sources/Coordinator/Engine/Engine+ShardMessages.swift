import CopyTradeCore
import CopyTradeProto

extension Engine {
    /// Applies a message from another shard (docs/sharding.md): the receiving half of a fan-out
    /// the source shard started, for the accounts this shard owns, with what the message
    /// carries (never this shard's own view of the source's accounts).
    func apply(_ m: Copytrade_V1_ShardMessage, _ tx: inout EngineTransaction, state: EngineState) async throws {
        switch m.kind {
        case .copyFill(let f):
            let spec = try spec(f.symbol)
            let side = try Side(wire: f.side, field: "side")
            let price = try positive(f.priceE8, "price"), quantity = try positive(f.quantityE8, "quantity")
            // What the fan-out reads of the trader's position: its id, symbol, side and time.
            let traderPosition = PositionRecord(id: f.traderPositionID, account: f.traderID, symbol: spec.symbol, side: side,
                                                quantity: quantity, entry: price, margin: .zero, leverage: 1, mode: .isolated,
                                                openedMs: f.openedMs)
            try await copyOpen(trader: f.traderID, traderPosition: traderPosition, fill: price, quantity: quantity,
                               mark: f.hasMark ? MarkPoint(wire: f.mark) : nil, filledMs: f.filledMs > 0 ? f.filledMs : f.openedMs, tx: &tx)
        case .copyClose(let c):
            let spec = try spec(c.symbol)
            try await closeCopies(of: c.traderPositionID, spec: spec, closed: try positive(c.closedQuantityE8, "closedQuantity"),
                                  before: try positive(c.quantityBeforeE8, "quantityBefore"), price: try positive(c.priceE8, "price"),
                                  tx: &tx)
        case .syncSignal(let s):
            try await applySignal(s, tx: &tx)
        case .mark(let point):
            let spec = try spec(point.symbol)
            try await applyMark(spec.symbol, MarkPoint(wire: point), &tx, state: state)
        case .rollout(let setting):
            try RolloutPhases.validate(setting.phases)
            tx.setRollout(setting)
            tx.event(.rolloutSet, detail: "\(setting.phases.count) phase\(setting.phases.count == 1 ? "" : "s") from shard \(m.sourceShard)")
        case .profitShare(let c):
            try creditProfitShare(c, tx: &tx)
        case .traderSettings(let t):
            try applyTraderSettings(RecordWire.traderSettings(t), tx: &tx)
        case nil:
            throw DomainError.invalid("shardMessage", "is empty")
        }
    }
}
