import CopyTradeCore
import Margin

extension Engine {
    /// The margin module's view of a position.
    func positionState(_ p: PositionRecord) -> PositionState {
        PositionState(symbol: p.symbol, side: p.side, quantity: p.quantity, entryPrice: p.entry, margin: p.margin,
                      leverage: p.leverage, mode: p.mode)
    }

    /// The configured margin model preset (empty: the reference exchange's).
    func marginPreset() throws(DomainError) -> MarginPreset {
        try MarginPreset(parsing: config.preset.isEmpty ? "bingx" : config.preset)
    }

    /// Rates for a symbol under the configured preset.
    func risk(_ symbol: String) throws(DomainError) -> RiskParameters {
        try riskParameters(for: try spec(symbol), preset: marginPreset())
    }

    /// What the margin module is asked about a position, at `mark` when given.
    func positionCheck(_ p: PositionRecord, mark: Decimal8?) throws(DomainError) -> PositionCheck {
        let risk = try risk(p.symbol)
        return PositionCheck(preset: try marginPreset(), position: positionState(p), risk: risk, mark: mark)
    }

    /// Evaluates a position, at `mark` when given.
    func evaluate(_ p: PositionRecord, mark: Decimal8?) async throws -> PositionFigures {
        try await modules.margin.evaluate(try positionCheck(p, mark: mark))
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
        q.liquidationPrice = e.liquidationPrice?.exact
        return q
    }

    /// Liquidation prices of many positions in batched module calls (fan-out paths); cross
    /// positions have none.
    func withLiquidationPrices(_ ps: [PositionRecord]) async throws -> [PositionRecord] {
        let evaluations = try await evaluations(of: ps) { $0.mode == .isolated ? .withoutMark : nil }
        var out = ps
        for i in out.indices { out[i].liquidationPrice = evaluations[i]?.liquidationPrice?.exact }
        return out
    }

    /// Where a batched evaluation looks at a position.
    enum EvaluationPoint {
        case withoutMark
        case at(Decimal8)
    }

    /// Evaluates the positions `point` places (nil leaves one out, and its answer nil) in
    /// batched module calls. A refused or missing answer fails the input. The rates are
    /// resolved once per symbol: a fan-out is mostly one symbol.
    func evaluations(of ps: [PositionRecord], _ point: (PositionRecord) -> EvaluationPoint?) async throws -> [PositionFigures?] {
        var checks: [PositionCheck] = []
        var indexes: [Int] = []
        var risks: [String: RiskParameters] = [:]
        for (i, p) in ps.enumerated() {
            guard let at = point(p) else { continue }
            let risk: RiskParameters
            if let known = risks[p.symbol] {
                risk = known
            } else {
                risk = try self.risk(p.symbol)
                risks[p.symbol] = risk
            }
            let mark: Decimal8? = if case .at(let m) = at { m } else { nil }
            checks.append(PositionCheck(preset: try marginPreset(), position: positionState(p), risk: risk, mark: mark))
            indexes.append(i)
        }
        var out = [PositionFigures?](repeating: nil, count: ps.count)
        guard !indexes.isEmpty else { return out }
        let answers = try await evaluate(all: checks)
        guard answers.count == indexes.count else {
            throw ModuleFault.error("margin", "\(answers.count) of \(indexes.count) evaluations")
        }
        for (k, i) in indexes.enumerated() {
            switch answers[k] {
            case .success(let figures): out[i] = figures
            case .failure(let refusal): throw ModuleFault.error("margin", "a refusal for position \(ps[i].id) (\(refusal.reason))")
            }
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
