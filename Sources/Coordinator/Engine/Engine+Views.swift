import CopyTradeCore
import CopyTradeProto
import Margin

/// What the sequencer's views (Sources/Coordinator/Sequencer/Sequencer+Queries.swift) ask in
/// wire types: they answer clients in protobuf, while the engine itself decides on domain
/// values (docs/decisions.md, "Coordinator").
extension Engine {
    /// A position's evaluation request, at `mark` when given (answered by
    /// `MarginDecisions.evaluate(_: Copytrade_V1_EvaluateRequest)`).
    func evaluateRequest(_ p: PositionRecord, mark: Decimal8?) throws(DomainError) -> Copytrade_V1_EvaluateRequest {
        MarginOverWire.request(try positionCheck(p, mark: mark))
    }

    /// The account's cross figures with this input's changes, as the wire says them; nil
    /// without cross positions.
    func crossEvaluation(of account: String, tx: EngineTransaction) async throws -> Copytrade_V1_AccountEvaluation? {
        try await crossFigures(of: account, tx: tx).map(MarginOverWire.wire)
    }
}
