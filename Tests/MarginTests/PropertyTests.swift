import TestSupport
import CopyTradeCore
import Margin
import Pricing
import Testing

/// Random positions over every built-in symbol and preset, from a fixed seed.
@Suite("Margin properties")
struct PropertyTests {
    struct Case {
        var position: PositionState
        var risk: RiskParameters
        var strategy: any MarginStrategy
        var preset: MarginPreset
    }

    /// Entry price range per symbol, on its tick.
    static let entryRanges: [String: (Decimal8, Decimal8)] = [
        "BTCUSDT": ("1000", "120000"), "ETHUSDT": ("100", "6000"), "SOLUSDT": ("5", "400"), "DOGEUSDT": ("0.01", "1"),
    ]

    static func randomCase(_ rng: inout SplitMix64) throws -> Case {
        let symbol = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"].randomElement(using: &rng)!
        let preset = MarginPreset.allCases.randomElement(using: &rng)!
        let spec = try Market.builtIn.spec(for: symbol)
        let (low, high) = entryRanges[symbol]!
        let entry = rng.decimal(low, high, step: spec.tickSize)
        let notional = rng.decimal("10", "20000000", step: "0.01")
        let quantity = Decimal8.maximum(spec.stepSize, try notional.divided(by: entry, rounding: .down).rounded(toMultipleOf: spec.stepSize, .down))
        let tierMax = spec.tier(forNotional: try quantity.multiplied(by: entry, rounding: .up)).maxLeverage ?? spec.maxLeverage
        let leverage = Int.random(in: 1...min(tierMax, spec.maxLeverage), using: &rng)
        let initial = try quantity.multiplied(by: entry, rounding: .up).divided(by: Decimal8(leverage), rounding: .up)
        let extra = rng.decimal(.zero, initial, step: .ulp)
        let margin = Bool.random(using: &rng) ? initial : try initial + extra
        let position = PositionState(symbol: symbol, side: Bool.random(using: &rng) ? .long : .short, quantity: quantity,
                                     entryPrice: entry, margin: margin, leverage: leverage)
        return Case(position: position, risk: try riskParameters(for: spec, preset: preset), strategy: preset.strategy, preset: preset)
    }

    static func cases(_ count: Int, seed: UInt64) throws -> [Case] {
        var rng = SplitMix64(seed: seed)
        return try (0..<count).map { _ in try randomCase(&rng) }
    }

    @Test func liquidationPriceIsWhereRiskCrossesOneHundredPercent() throws {
        var checked = 0
        for c in try Self.cases(3000, seed: 0x5EED_0001) {
            guard let lp = try c.strategy.liquidationPrice(of: c.position, risk: c.risk) else {
                #expect(c.position.side == .long)
                continue
            }
            let long = c.position.side == .long
            let tick = c.risk.tickSize
            func liquidatable(_ mark: Decimal8) throws -> Bool { try c.strategy.isLiquidatable(c.position, risk: c.risk, at: mark) }
            // Exact threshold, to one unit of 1e-8 on either side.
            let (inside, outside) = long ? (try lp.exact - .ulp, try lp.exact + .ulp) : (try lp.exact + .ulp, try lp.exact - .ulp)
            if inside.isPositive { #expect(try liquidatable(inside), "\(c.position) \(c.preset) at \(inside)") }
            #expect(try !liquidatable(outside), "\(c.position) \(c.preset) at \(outside)")
            // Tick price, one tick either side.
            let (tickInside, tickOutside) = long ? (try lp.onTick - tick, try lp.onTick + tick) : (try lp.onTick + tick, try lp.onTick - tick)
            if tickInside.isPositive { #expect(try liquidatable(tickInside)) }
            if tickOutside.isPositive { #expect(try !liquidatable(tickOutside)) }
            // Both are rounded from the same quotient: within a tick of each other (exactly a tick
            // when the quotient lies within half a unit of 1e-8 inside a tick boundary).
            #expect(try (lp.onTick - lp.exact).magnitude <= tick)
            checked += 1
        }
        #expect(checked > 2000)
    }

    /// SPEC §3: a position is liquidatable at the on-tick price it shows, and not one tick on the
    /// safe side. Random positions, plus positions built so that the exact price lies a hair
    /// inside a tick (where rounding to 8 places first would round onto the safe tick).
    @Test func positionIsLiquidatableAtTheShownTickPrice() throws {
        var checked = 0
        func check(_ position: PositionState, _ risk: RiskParameters, _ strategy: any MarginStrategy) throws {
            guard let lp = try strategy.liquidationPrice(of: position, risk: risk) else { return }
            #expect(try strategy.isLiquidatable(position, risk: risk, at: lp.onTick), "\(position) at \(lp.onTick)")
            let safe = position.side == .long ? try lp.onTick + risk.tickSize : try lp.onTick - risk.tickSize
            if safe.isPositive { #expect(try !strategy.isLiquidatable(position, risk: risk, at: safe), "\(position) at \(safe)") }
            checked += 1
        }
        for c in try Self.cases(2000, seed: 0x5EED_0009) { try check(c.position, c.risk, c.strategy) }
        var rng = SplitMix64(seed: 0x5EED_000A)
        for _ in 0..<2000 {
            let tick: Decimal8 = ["0.1", "0.01", "0.00001"].randomElement(using: &rng)!
            let entry = rng.decimal(try tick.multiplied(by: "1000", rounding: .down), try tick.multiplied(by: "1000000", rounding: .down), step: tick)
            let quantity = rng.decimal("1", "1000", step: "0.001")
            let mmr = rng.decimal("0.001", "0.05", step: "0.00000001")
            let fee: Decimal8 = Bool.random(using: &rng) ? "0.0005" : .zero
            let side: Side = Bool.random(using: &rng) ? .long : .short
            let move = rng.decimal("0.02", "0.5", step: "0.0001")
            let factor = side == .long ? try Decimal8.one - move : try Decimal8.one + move
            let target = try entry.multiplied(by: factor, rounding: .down).rounded(toMultipleOf: tick, .down)
            // Margin putting the exact threshold just inside `target`: long (qE - M)/(q(1-r)) with M
            // rounded up, short (qE + M)/(q(1+r)) with M rounded up.
            let rate = try mmr + fee
            let value = try quantity.exact * entry.exact
            let atTarget = try target.exact * quantity.exact * (side == .long ? ExactDecimal.one - rate.exact : ExactDecimal.one + rate.exact)
            let margin = try (side == .long ? value - atTarget : atTarget - value).rounded(.up)
            guard margin.isPositive else { continue }
            let risk = RiskParameters(tiers: [MaintenanceTier(notionalCeiling: .max, mmr: mmr, cum: .zero)], feeRate: fee,
                                      maxLeverage: 1000, tickSize: tick)
            try check(PositionState(symbol: "X", side: side, quantity: quantity, entryPrice: entry, margin: margin, leverage: 1),
                       risk, MarkValueModel())
        }
        #expect(checked > 3000)
    }

    @Test func bankruptcyPriceHasZeroBalance() throws {
        for c in try Self.cases(3000, seed: 0x5EED_0002) {
            guard let bankruptcy = try c.strategy.bankruptcyPrice(of: c.position, risk: c.risk) else { continue }
            let balance = try c.strategy.marginBalance(of: c.position, risk: c.risk, at: bankruptcy)
            let slack = try c.position.quantity.multiplied(by: .ulp, rounding: .up) + .ulp
            #expect(balance <= .zero)
            #expect(try balance >= -slack)
            #expect(try c.strategy.isLiquidatable(c.position, risk: c.risk, at: bankruptcy))
        }
    }

    @Test func maxReducibleKeepsThePositionSafeAndFollowsSpec() throws {
        var rng = SplitMix64(seed: 0x5EED_0003)
        var reduced = 0
        for c in try Self.cases(3000, seed: 0x5EED_0004) {
            let entry = c.position.entryPrice
            let mark = rng.decimal(try entry.divided(by: "2", rounding: .up).rounded(toMultipleOf: c.risk.tickSize, .up),
                                   try entry.multiplied(by: "1.5", rounding: .down).rounded(toMultipleOf: c.risk.tickSize, .down),
                                   step: c.risk.tickSize)
            guard try !c.strategy.isLiquidatable(c.position, risk: c.risk, at: mark) else { continue }
            let reducible = try c.strategy.maxReducibleMargin(of: c.position, risk: c.risk, at: mark)
            #expect(reducible >= .zero && reducible <= c.position.margin)
            var after = c.position
            after.margin = try after.margin - reducible
            #expect(try !c.strategy.isLiquidatable(after, risk: c.risk, at: mark), "\(c.position) \(c.preset) at \(mark)")
            if c.strategy is MarkValueModel {
                #expect(reducible == (try Self.specReducible(c, mark: mark)), "\(c.position) \(c.preset) at \(mark)")
            }
            if reducible.isPositive { reduced += 1 }
        }
        #expect(reduced > 100)
    }

    /// SPEC §3 verbatim, `max(0, min(M - MR(P), M + U(P) - q*P/leverage))` rounded down, kept
    /// below `M`: a tier with `cum > 0` can make `MR(P)` negative far from entry, and an isolated
    /// position keeps some margin (margin 0 is refused).
    static func specReducible(_ c: Case, mark: Decimal8) throws -> Decimal8 {
        let p = c.position
        let requirement = try c.strategy.maintenanceRequirement(of: p, risk: c.risk, at: mark)
        let pnl = try ExactDecimal(integer: p.side.sign) * p.quantity.exact * (mark.exact - p.entryPrice.exact)
        let leverage = ExactDecimal(integer: p.leverage)
        let keepInitial = try ((p.margin.exact + pnl) * leverage - p.quantity.exact * mark.exact).divided(by: leverage, rounding: .down)
        let spec = Decimal8.maximum(.zero, Decimal8.minimum(try p.margin - requirement, keepInitial))
        return Decimal8.minimum(spec, try p.margin - .ulp)
    }

    @Test func roundingNeverCreatesMoney() throws {
        var rng = SplitMix64(seed: 0x5EED_0005)
        for c in try Self.cases(2000, seed: 0x5EED_0006) {
            let mark = rng.decimal("0.00001", try c.position.entryPrice.multiplied(by: "3", rounding: .down), step: .ulp)
            var opposite = c.position
            opposite.side = c.position.side.opposite
            let mine = try c.strategy.unrealizedPnL(of: c.position, risk: c.risk, at: mark)
            let theirs = try c.strategy.unrealizedPnL(of: opposite, risk: c.risk, at: mark)
            // Long and short of the same size are a zero-sum pair; rounding may only lose a unit.
            #expect(try [Decimal8.zero, -Decimal8.ulp].contains(mine + theirs))
            let balance = try c.strategy.marginBalance(of: c.position, risk: c.risk, at: mark)
            #expect(try balance == c.position.margin + mine)
        }
    }

    @Test func autoMarginWalkConservesMoney() throws {
        var rng = SplitMix64(seed: 0x5EED_0007)
        for c in try Self.cases(400, seed: 0x5EED_0008) {
            let available = rng.decimal(.zero, try c.position.margin.multiplied(by: "3", rounding: .down), step: .ulp)
            let held = rng.decimal(.zero, c.position.margin, step: .ulp)
            let amount = Decimal8.maximum(.ulp, try c.position.margin.divided(by: "2", rounding: .up))
            var walk = try AutoMarginWalk(position: c.position, risk: c.risk, available: available, cancellableOrderMargin: held,
                                          strategy: c.strategy, policy: FixedAmountAutoMargin(amount: amount))
            let entry = c.position.entryPrice
            let direction: Decimal8 = c.position.side == .long ? "-0.02" : "0.02"
            var lost = Decimal8.zero
            for i in 1...40 {
                let move = try Decimal8.one + direction.multiplied(by: Decimal8(i), rounding: .halfEven)
                let mark = try entry.multiplied(by: move, rounding: .halfEven).rounded(toMultipleOf: c.risk.tickSize, .halfEven)
                guard mark.isPositive else { break }
                let events = try walk.apply(mark: mark)
                lost = try lost + events.filter { $0.kind == .liquidated }.reduce(Decimal8.zero) { try $0 + $1.amount }
                if !walk.isLiquidated {
                    #expect(try !c.strategy.isLiquidatable(walk.position, risk: c.risk, at: mark))
                }
            }
            let before = try c.position.margin + available + held
            let after = try walk.position.margin + walk.available + walk.cancellableOrderMargin + lost
            #expect(before == after)
        }
    }
}
