import CopyTradeCore
import Pricing

/// `calc tpsl` and `calc share`: the copier protections' pure formulas (docs/protections.md).
/// No module owns them (the coordinator applies them itself), so they always compute in
/// process, with the very functions the engine calls: ``CopyTriggers`` and
/// ``ProfitShareSettlement``.
extension Calculator {
    static let triggerFields = [
        "side": "--side", "entry": "--entry", "leverage": "--leverage", "tpRatio": "--tp-ratio", "slRatio": "--sl-ratio",
        "tick": "--tick", "symbol": "--symbol",
    ]
    static let shareFields = [
        "net": "--net", "profitShareRatio": "--ratio", "shared": "--shared", "available": "--available",
    ]

    /// `calc tpsl`: a copy's take-profit and stop-loss trigger prices on the tick, with the
    /// exact formula values beside them so a reader can see which way each was rounded.
    public func tpsl(_ input: TriggerInput) async throws -> CalcOutput {
        try await naming(Self.triggerFields, figure: "tpsl") { try tpslUnnamed(input) }
    }

    func tpslUnnamed(_ input: TriggerInput) throws -> CalcOutput {
        guard input.takeProfitRatio != nil || input.stopLossRatio != nil else {
            throw DomainError.invalid("--tp-ratio", "or --sl-ratio is required")
        }
        // The tick as the engine uses it: the symbol's, unless one is given. Without either,
        // 1e-8: the price at Decimal8's own precision, still rounded the trigger's way.
        let spec = try spec(input.symbol)
        let tick = input.tick ?? spec?.tickSize ?? .ulp
        guard tick.isPositive else { throw DomainError.invalid("--tick", "must be greater than 0") }
        if let spec, !(1...spec.maxLeverage).contains(input.leverage) {
            // A copy never holds more leverage than its symbol allows.
            throw DomainError.invalid("--leverage", "must be between 1 and the maximum \(spec.maxLeverage) of \(spec.symbol), got \(input.leverage)")
        }
        // One call per trigger, so an overflow names the price it is about.
        let takeProfit = try DomainError.computing("takeProfit") { () throws(DomainError) in
            try CopyTriggers.of(side: input.side, entry: input.entry, leverage: input.leverage,
                                takeProfitRatio: input.takeProfitRatio, stopLossRatio: nil, tick: tick).takeProfit
        }
        let stopLoss = try DomainError.computing("stopLoss") { () throws(DomainError) in
            try CopyTriggers.of(side: input.side, entry: input.entry, leverage: input.leverage,
                                takeProfitRatio: nil, stopLossRatio: input.stopLossRatio, tick: tick).stopLoss
        }
        var out = CalcOutput()
        out.add("side", input.side.rawValue)
        out.add("entry", input.entry)
        out.add("leverage", .integer(Int64(input.leverage)))
        out.add("tick", tick)
        // A long profits upward: its take profit fires at or above, its stop loss at or below.
        try Self.addTrigger(to: &out, "takeProfit", ratio: input.takeProfitRatio, price: takeProfit, input: input,
                            up: input.side == .long)
        try Self.addTrigger(to: &out, "stopLoss", ratio: input.stopLossRatio, price: stopLoss, input: input,
                            up: input.side == .short)
        return out
    }

    /// `NAMERatio`, `NAMEExact` and `NAME`: "off" when no ratio was given, the price "none"
    /// when the trigger does not exist (at or below zero, or below one tick).
    static func addTrigger(to out: inout CalcOutput, _ name: String, ratio: Decimal8?, price: Decimal8?, input: TriggerInput,
                           up: Bool) throws {
        guard let ratio else {
            for key in ["\(name)Ratio", "\(name)Exact", name] { out.add(key, "off") }
            return
        }
        out.add("\(name)Ratio", ratio)
        out.add("\(name)Exact", try exactTrigger(input, ratio: ratio, up: up, figure: name))
        out.add(name, price.map(CalcOutput.Value.decimal) ?? .text("none"))
    }

    /// The formula's value `E*(L ± ratio)/L` to 8 places, rounded the trigger's way when it has
    /// more (up for one firing at or above, down otherwise, as the on-tick price), so the figure
    /// shown is still one at which the rule holds. Shown even at or below zero: it says why a
    /// trigger does not exist.
    static func exactTrigger(_ input: TriggerInput, ratio: Decimal8, up: Bool, figure: String) throws -> Decimal8 {
        try DomainError.computing(figure) { () throws(DomainError) in
            let l = ExactDecimal(integer: input.leverage)
            let factor = up ? try l + ratio.exact : try l - ratio.exact
            return try (input.entry.exact * factor).divided(by: l, rounding: up ? .up : .down)
        }
    }

    /// `calc share`: one profit-share settlement with its high-water mark: what is due, what the
    /// balance could pay, and what stays due for the next settlement.
    public func share(_ input: ShareInput) async throws -> CalcOutput {
        try await naming(Self.shareFields, figure: "due") { try shareUnnamed(input) }
    }

    func shareUnnamed(_ input: ShareInput) throws -> CalcOutput {
        // Unlimited: the largest balance there is, so nothing due is ever short.
        let s = try ProfitShareSettlement.settle(net: input.net, ratio: input.ratio, shared: input.shared,
                                                 available: input.available ?? .max)
        var out = CalcOutput()
        out.add("net", input.net)
        out.add("ratio", input.ratio)
        out.add("sharedBefore", input.shared)
        out.add("available", input.available.map(CalcOutput.Value.decimal) ?? .text("unlimited"))
        out.add("due", s.due)
        out.add("paid", s.paid)
        out.add("sharedAfter", s.shared)
        out.add("short", s.isShort)
        // paid ≤ due, so this never underflows.
        out.add("stillDue", try s.due - s.paid)
        return out
    }
}
