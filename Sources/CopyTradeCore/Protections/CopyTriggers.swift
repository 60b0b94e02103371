/// Take-profit and stop-loss trigger prices of a copy (docs/protections.md): measured on the
/// copy's initial margin `IM = q*E/L`, so they depend only on the entry, the leverage and the
/// ratios; margin added later by sync or auto margin does not move them.
///
/// long TP `E*(1 + tp/L)`, long SL `E*(1 - sl/L)`; short TP `E*(1 - tp/L)`, short SL `E*(1 + sl/L)`.
///
/// Each is rounded once, from the exact quotient, to the tick on the side that keeps the rule
/// exact for marks on the tick: a trigger that fires at or above its price is rounded up, one
/// that fires at or below it is rounded down. A mark on the tick then reaches the shown price
/// exactly when it reaches the formula's price, so the price shown is a price at which the rule
/// holds. A trigger at or below zero does not exist (a stop loss of `L` or more on a long).
public struct CopyTriggers: Sendable, Hashable {
    // Stored as units, 0 for none (a trigger price is always positive): 16 bytes in every
    // position record instead of two optionals' 32, which a 100,000-copy fan-out copies around.
    private var takeProfitUnits: Int64 = 0
    private var stopLossUnits: Int64 = 0

    /// The take-profit price, nil when off or nonexistent.
    public var takeProfit: Decimal8? {
        get { takeProfitUnits == 0 ? nil : Decimal8(units: takeProfitUnits) }
        set { takeProfitUnits = newValue?.units ?? 0 }
    }
    /// The stop-loss price, nil when off or nonexistent.
    public var stopLoss: Decimal8? {
        get { stopLossUnits == 0 ? nil : Decimal8(units: stopLossUnits) }
        set { stopLossUnits = newValue?.units ?? 0 }
    }
    /// True when the copy has either trigger.
    public var isSet: Bool { takeProfitUnits != 0 || stopLossUnits != 0 }

    public init(takeProfit: Decimal8? = nil, stopLoss: Decimal8? = nil) {
        self.takeProfit = takeProfit
        self.stopLoss = stopLoss
    }

    /// The trigger prices of a copy on `side` entered at `entry` with `leverage`, for the ratios
    /// that are set (each must be positive).
    public static func of(side: Side, entry: Decimal8, leverage: Int, takeProfitRatio: Decimal8?, stopLossRatio: Decimal8?,
                          tick: Decimal8) throws(DomainError) -> CopyTriggers {
        guard leverage > 0 else { throw DomainError.invalid("leverage", "must be greater than 0") }
        guard entry.isPositive else { throw DomainError.invalid("entry", "must be greater than 0") }
        // Checked here, not left to the rounding, so the refusal names the tick (not "increment")
        // and does not depend on whether a ratio is set.
        guard tick.isPositive else { throw DomainError.invalid("tick", "must be greater than 0") }
        var out = CopyTriggers()
        if let tp = takeProfitRatio {
            // A long profits upward, a short downward.
            out.takeProfit = try price(entry: entry, leverage: leverage, ratio: tp, up: side == .long, tick: tick, field: "tpRatio")
        }
        if let sl = stopLossRatio {
            out.stopLoss = try price(entry: entry, leverage: leverage, ratio: sl, up: side == .short, tick: tick, field: "slRatio")
        }
        return out
    }

    /// `E*(L ± ratio)/L` on the tick: rounded up when `up` (the trigger fires at or above it),
    /// down otherwise; nil when not positive.
    static func price(entry: Decimal8, leverage: Int, ratio: Decimal8, up: Bool, tick: Decimal8, field: String) throws(DomainError) -> Decimal8? {
        guard ratio.isPositive else { throw DomainError.invalid(field, "must be greater than 0") }
        let l = ExactDecimal(integer: leverage)
        let factor = up ? try l + ratio.exact : try l - ratio.exact
        guard try ExactDecimal.compare(factor, ExactDecimal(integer: 0)) > 0 else { return nil }
        let onTick = try (entry.exact * factor).divided(by: l, toMultipleOf: tick, rounding: up ? .up : .down)
        return onTick.isPositive ? onTick : nil
    }

    /// True when `mark` reaches the take profit of a copy on `side`.
    public func takesProfit(side: Side, at mark: Decimal8) -> Bool {
        guard let tp = takeProfit else { return false }
        return side == .long ? mark >= tp : mark <= tp
    }

    /// True when `mark` reaches the stop loss of a copy on `side`.
    public func stopsLoss(side: Side, at mark: Decimal8) -> Bool {
        guard let sl = stopLoss else { return false }
        return side == .long ? mark <= sl : mark >= sl
    }
}
