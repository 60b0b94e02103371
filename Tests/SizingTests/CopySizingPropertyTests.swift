import TestSupport
import CopyTradeCore
import Sizing
import Testing

/// Thousands of seeded random requests; every property is an exact comparison.
@Suite("Copy sizing properties")
struct CopySizingPropertyTests {
    let sizer = StandardCopySizer()
    static let steps: [Decimal8] = ["0.00000001", "0.0001", "0.001", "0.01", "1"]
    static let ticks: [Decimal8?] = [nil, "0.00001", "0.01", "0.1", "1"]

    /// A random but valid request; `available` is the budget-sized balance when `fundToBudget`.
    static func randomRequest(_ g: inout SplitMix64) -> CopyOrderRequest {
        let rules = CopySymbolRules(
            stepSize: steps[Int(g.int(0...4))], tickSize: ticks[Int(g.int(0...4))], minQuantity: 0, minNotional: 0,
            maxLeverage: 125, takerFeeRate: Decimal8(units: g.int(0...100_000)))            // f in [0, 0.001]
        let mode: CopyMode = g.int(0...1) == 0
            ? .proportional(multiplier: Decimal8(units: g.int(1_000_000...1_000_000_000)))   // m in [0.01, 10]
            : .fixedMargin(Decimal8(units: g.int(1...10_000 * 100_000_000)))                // B in (0, 10000]
        return CopyOrderRequest(
            side: g.int(0...1) == 0 ? .long : .short,
            fillPrice: Decimal8(units: g.int(1_000_000...10_000_000_000_000)),              // F in [0.01, 100000]
            traderQuantity: Decimal8(units: g.int(1...100_000_000_000)),                    // Qt in (0, 1000]
            mode: mode, leverage: Int(g.int(1...125)), rules: rules,
            slippage: Decimal8(units: g.int(0...5_000_000)))                                 // k in [0, 0.05]
    }

    /// The SPEC quantity floored to the step, computed independently of the sizer. For the
    /// proportional mode both sides of `m*F*Qt*(1-fL) / (F*max(1±k,1))` are divided by `F > 0`
    /// first, since the full 32-place numerator can exceed 128 bits.
    static func formulaQuantity(_ r: CopyOrderRequest) throws -> Decimal8 {
        let lev = ExactDecimal(integer: r.leverage)
        let load = try ExactDecimal.one - r.rules.takerFeeRate.exact * lev
        if load.signum <= 0 { return .zero }
        let factor = r.side == .long ? try ExactDecimal.one + r.slippage.exact : ExactDecimal.one
        let raw: Decimal8 = switch r.mode {
        case .proportional(let m):
            try (m.exact * r.traderQuantity.exact * load).divided(by: factor, rounding: .down)
        case .fixedMargin(let b):
            try (b.exact * lev * load).divided(by: try r.fillPrice.exact * factor, rounding: .down)
        }
        return try raw.rounded(toMultipleOf: r.rules.stepSize, .down)
    }

    @Test("never more than the budget; quantity on the step and never rounded up; costs rounded up")
    func budgetAndRounding() throws {
        var g = SplitMix64(seed: 0x5EED_0001)
        var planned = 0
        var guarded = 0
        for _ in 0..<20_000 {
            var r = Self.randomRequest(&g)
            let outcome = try sizer.plan(r)
            guard let plan = outcome.plan else {
                #expect(outcome.skip?.reason == .belowMinimumQuantity)
                #expect(outcome.skip?.value == 0)
                continue
            }
            planned += 1
            // Money: margin + fee never exceed the budget m*V/L (or B).
            #expect(try plan.cost <= plan.budget)
            // On the step, never rounded up past the formula; equal to it unless the budget guard cut it.
            #expect(plan.quantity.isMultiple(of: r.rules.stepSize))
            let formula = try Self.formulaQuantity(r)
            #expect(plan.quantity <= formula)
            if plan.quantity != formula {
                guarded += 1
                let trial = try sizer.plan(CopyOrderRequest(side: r.side, fillPrice: r.fillPrice, traderQuantity: r.traderQuantity,
                                                            mode: r.mode, leverage: r.leverage, rules: r.rules, slippage: r.slippage))
                #expect(trial.plan?.quantity == plan.quantity)   // deterministic
                // The guard only fires when the formula's own rounded-up costs exceed the budget.
                let notional = try formula.exact * r.fillPrice.exact
                let cost = try notional.divided(by: ExactDecimal(integer: r.leverage), rounding: .up)
                    + (notional * r.rules.takerFeeRate.exact).rounded(.up)
                #expect(cost > plan.budget)
            }
            // Costs are the exact values rounded up by less than one unit.
            let notional = try plan.quantity.exact * r.fillPrice.exact
            let exactMargin = try notional.divided(by: ExactDecimal(integer: r.leverage), rounding: .down)
            #expect(plan.margin >= exactMargin && plan.margin.units - exactMargin.units <= 1)
            #expect(plan.openValue == (try notional.rounded(.up)))
            // Worst price never looser than the exact bound.
            if r.side == .long {
                #expect(try ExactDecimal.compare(plan.worstPrice.exact, try r.fillPrice.exact * (ExactDecimal.one + r.slippage.exact)) <= 0)
            } else {
                #expect(try ExactDecimal.compare(plan.worstPrice.exact, try r.fillPrice.exact * (ExactDecimal.one - r.slippage.exact)) >= 0)
            }
            // A balance equal to the budget always suffices.
            r.availableBalance = plan.budget
            #expect(try sizer.plan(r).plan == plan)
        }
        #expect(planned > 15_000)
        #expect(guarded < planned / 100)
    }

    @Test("close quantity never exceeds the copier's position and is on the step or everything")
    func closeProperties() throws {
        var g = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<10_000 {
            let step = Self.steps[Int(g.int(0...4))]
            let copier = Decimal8(units: g.int(1...1_000) * step.units)
            let before = Decimal8(units: g.int(1...100_000_000_000))
            let closed = Decimal8(units: g.int(1...before.units))
            let minimum = Decimal8(units: g.int(0...5) * step.units)
            let plan = try sizer.closeQuantity(copierQuantity: copier, traderClosedQuantity: closed, traderQuantityBefore: before,
                                               stepSize: step, minQuantity: minimum)
            #expect(plan.quantity <= copier)
            #expect(try plan.quantity + plan.remaining == copier)
            if plan.closesAll {
                #expect(plan.quantity == copier && plan.remaining == 0)
            } else {
                #expect(plan.quantity.isMultiple(of: step))
                #expect(plan.remaining >= minimum)
                // Never more than the exact pro-rata share.
                let exact = try copier.exact * closed.exact
                #expect(try ExactDecimal.compare(try plan.quantity.exact * before.exact, exact) <= 0)
            }
        }
    }

    @Test("recommendation: lower ≤ upper, both inside the bounds, never above the equity ratio")
    func recommendationProperties() throws {
        var g = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<5_000 {
            let ec = Decimal8(units: g.int(1...100_000_000 * 1_000_000))
            let et = Decimal8(units: g.int(1...100_000_000 * 1_000_000))
            let range = try sizer.recommend(copierEquity: ec, traderEquity: et)
            #expect(range.lower <= range.upper)
            #expect(MultiplierBounds.standard.contains(range.lower) && MultiplierBounds.standard.contains(range.upper))
            if range.upper > MultiplierBounds.standard.minimum {
                #expect(try ExactDecimal.compare(try range.upper.exact * et.exact, ec.exact) <= 0)
            }
        }
    }
}
