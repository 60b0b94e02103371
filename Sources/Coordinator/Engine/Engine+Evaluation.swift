import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime

extension Engine {
    /// The margin module's view of a position.
    func positionState(_ p: PositionRecord) -> Copytrade_V1_PositionState {
        var s = Copytrade_V1_PositionState()
        s.symbol = p.symbol
        s.side = p.side.wire
        s.quantityE8 = p.quantity.e8
        s.entryPriceE8 = p.entry.e8
        s.marginE8 = p.margin.e8
        s.leverage = Int32(clamping: p.leverage)
        s.marginMode = p.mode.wire
        return s
    }

    /// Rates for a symbol under the configured preset.
    func risk(_ symbol: String) throws(DomainError) -> Copytrade_V1_RiskParameters {
        try MarginRisk.parameters(spec: try spec(symbol), preset: config.preset)
    }

    func evaluateRequest(_ p: PositionRecord, mark: Decimal8?) throws(DomainError) -> Copytrade_V1_EvaluateRequest {
        var r = Copytrade_V1_EvaluateRequest()
        r.preset = config.preset
        r.position = positionState(p)
        r.risk = try risk(p.symbol)
        if let mark {
            r.hasMark_p = true
            r.markPriceE8 = mark.e8
        }
        return r
    }

    /// Evaluates a position, at `mark` when given.
    func evaluate(_ p: PositionRecord, mark: Decimal8?) async throws -> Copytrade_V1_Evaluation {
        try await modules.margin.evaluate(try evaluateRequest(p, mark: mark))
    }

    /// The position with its liquidation price refreshed (nil for cross positions, which are
    /// checked per account).
    func withLiquidationPrice(_ p: PositionRecord) async throws -> PositionRecord {
        guard p.mode == .isolated else {
            var q = p
            q.liquidationPrice = nil
            return q
        }
        let e = try await evaluate(p, mark: nil)
        var q = p
        q.liquidationPrice = e.hasLiquidationPrice_p ? Decimal8(e8: e.liquidationPriceE8) : nil
        return q
    }

    /// Liquidation prices of many positions in batched module calls (fan-out paths); cross
    /// positions have none.
    func withLiquidationPrices(_ ps: [PositionRecord]) async throws -> [PositionRecord] {
        let evaluations = try await evaluations(of: ps) { $0.mode == .isolated ? try evaluateRequest($0, mark: nil) : nil }
        var out = ps
        for i in out.indices {
            out[i].liquidationPrice = evaluations[i].flatMap { $0.hasLiquidationPrice_p ? Decimal8(e8: $0.liquidationPriceE8) : nil }
        }
        return out
    }

    /// Evaluates the positions `request` builds a request for, in batched module calls; nil
    /// for the positions it skips. A refused or missing answer fails the input.
    func evaluations(of ps: [PositionRecord],
                     _ request: (PositionRecord) throws -> Copytrade_V1_EvaluateRequest?) async throws -> [Copytrade_V1_Evaluation?] {
        var batch = Copytrade_V1_EvaluateBatchRequest()
        var indexes: [Int] = []
        for (i, p) in ps.enumerated() {
            guard let r = try request(p) else { continue }
            batch.requests.append(r)
            indexes.append(i)
        }
        var out = [Copytrade_V1_Evaluation?](repeating: nil, count: ps.count)
        guard !indexes.isEmpty else { return out }
        let res = try await evaluateBatch(batch)
        guard res.evaluations.count == indexes.count else {
            throw ModuleFault.error("margin", "\(res.evaluations.count) of \(indexes.count) evaluations")
        }
        for (k, i) in indexes.enumerated() {
            if k < res.errors.count, !res.errors[k].isEmpty {
                throw ModuleFault.error("margin", "a refusal for position \(ps[i].id) (\(res.errors[k]))")
            }
            out[i] = res.evaluations[k]
        }
        return out
    }

    /// Opening cost at a price: margin `q*P/L` and fee `q*P*f`, both rounded up.
    func openingCost(quantity: Decimal8, price: Decimal8, leverage: Int, feeRate: Decimal8) throws(DomainError) -> (margin: Decimal8, fee: Decimal8) {
        let notional = try quantity.exact * price.exact
        let margin = try notional.divided(by: ExactDecimal(integer: leverage), rounding: .up)
        let fee = try (notional * feeRate.exact).rounded(.up)
        return (margin, fee)
    }
}
