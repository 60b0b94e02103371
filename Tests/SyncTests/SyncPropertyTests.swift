import TestSupport
import CopyTradeCore
import Sync
import Testing

/// Seeded random properties: rounding never creates money, limits hold, adds commute.
@Suite("Margin sync properties")
struct SyncPropertyTests {
    let policy = try! RatioMarginSync()

    @Test("the copier delta is D*Mc/Mt rounded toward zero; adds fit the balance, reduces the maximum reducible")
    func deltaBounds() throws {
        var g = SplitMix64(seed: 0x5EED_1001)
        var outcomes: Set<SyncOutcome> = []
        for i in 0..<20_000 {
            // Magnitudes spread over 1e-8 ... 1e6 so tiny deltas (rounding to zero) occur too.
            let before = Decimal8(units: g.int(1...pow10(g.int(0...14))))
            let add = g.int(0...1) == 0
            let delta = add ? Decimal8(units: g.int(1...2 * before.units)) : Decimal8(units: -g.int(1...(before.units - 1 > 0 ? before.units - 1 : 1)))
            guard (try before + delta).isPositive else { continue }
            let margin = Decimal8(units: g.int(0...pow10(g.int(0...14))))
            let c = copier(margin: margin, available: Decimal8(units: g.int(0...2 * margin.units)),
                           maxReducible: Decimal8(units: g.int(0...margin.units)))
            let d = try policy.decide(signal(id: "s\(i)", before: before, delta: delta), c)
            outcomes.insert(d.outcome)
            let exact = try delta.exact * margin.exact                     // D*Mc, to compare with pd*Mt
            let pd = d.proportionalDelta
            // |pd|*Mt ≤ |D*Mc| < (|pd| + 1e-8)*Mt: truncation by less than one unit, never away from zero.
            let absExact = exact.signum < 0 ? -exact : exact
            #expect(try ExactDecimal.compare(try pd.magnitude.exact * before.exact, absExact) <= 0)
            if d.outcome != .nothingToApply {
                #expect(try ExactDecimal.compare(try (pd.magnitude + .ulp).exact * before.exact, absExact) > 0)
                #expect(pd.signum == delta.signum)
            } else {
                #expect(try ExactDecimal.compare(try Decimal8.ulp.exact * before.exact, absExact) > 0)
            }
            // What moves never exceeds the proportional delta, the balance or the reducible margin.
            #expect(d.appliedDelta.magnitude <= pd.magnitude)
            #expect(d.appliedDelta.isZero || d.appliedDelta.signum == delta.signum)
            if d.appliedDelta.isPositive { #expect(d.appliedDelta <= c.availableBalance) }
            if d.appliedDelta.isNegative { #expect(d.appliedDelta.magnitude <= c.maxReducible) }
        }
        #expect(outcomes == [.applied, .capped, .insufficientBalance, .nothingToApply])
    }

    private func pow10(_ n: Int64) -> Int64 { (0..<n).reduce(1) { acc, _ in acc * 10 } }

    /// Applies `first` then `second` to a copier margin, as if no limit intervened.
    private func apply(_ first: MarginSyncSignal, _ second: MarginSyncSignal, to margin: Decimal8) throws -> Decimal8 {
        var m = margin
        for s in [first, second] {
            let d = try policy.decide(s, copier(margin: m, available: .max, maxReducible: m))
            #expect(d.outcome == .applied || d.outcome == .nothingToApply)
            m = try m + d.appliedDelta
        }
        return m
    }

    @Test("adds commute within rounding: |difference| < (2 + max r) units, so ≤ 2e-8 when r ≤ 1")
    func addsCommute() throws {
        var g = SplitMix64(seed: 0x5EED_1002)
        for _ in 0..<10_000 {
            let m0 = Decimal8(units: g.int(100_000_000...100_000 * 100_000_000))
            let d1 = Decimal8(units: g.int(1...m0.units))                       // r1 ≤ 1
            let m1 = try m0 + d1
            let d2 = Decimal8(units: g.int(1...m1.units))                       // r2 ≤ 1
            let a = signal(id: "a", before: m0, delta: d1, occurred: 1_000)
            let b = signal(id: "b", before: m1, delta: d2, occurred: 1_001)
            let mc = Decimal8(units: g.int(1...100_000 * 100_000_000))
            let inOrder = try apply(a, b, to: mc)
            let reversed = try apply(b, a, to: mc)
            #expect((try inOrder - reversed).magnitude <= Decimal8(units: 2))
            // Neither order creates money: both end at or below Mc*(1+r1)*(1+r2) = Mc*(m1+d2)/m0.
            let ideal = try (mc.exact * (try m1 + d2).exact).divided(by: m0.exact, rounding: .down)
            #expect(inOrder <= ideal && reversed <= ideal)
        }
    }

    @Test("adds commute exactly when every product is exact")
    func addsCommuteExactly() throws {
        var g = SplitMix64(seed: 0x5EED_1003)
        for _ in 0..<5_000 {
            // r1 = a/100, r2 = b/100 on trader margins in whole multiples; Mc with 4 places,
            // so r1*Mc, r2*Mc and r2*(Mc + r1*Mc) all fit in 8 places.
            let a = g.int(1...300), b = g.int(1...300), k = g.int(1...1_000)
            let m0 = try Decimal8(exactly: 10_000 * k)
            let d1 = try Decimal8(exactly: a * 100 * k)
            let d2 = try Decimal8(exactly: b * k * (100 + a))
            let mc = Decimal8(units: g.int(1...10_000_000) * 10_000)
            let first = signal(id: "a", before: m0, delta: d1)
            let second = signal(id: "b", before: try m0 + d1, delta: d2)
            let inOrder = try apply(first, second, to: mc)
            #expect(inOrder == (try apply(second, first, to: mc)))
            // Both equal Mc*(1 + a/100)*(1 + b/100) exactly.
            let ideal = try (mc.exact * ExactDecimal(integer: Int(100 + a)) * ExactDecimal(integer: Int(100 + b)))
                .divided(by: ExactDecimal(integer: 10_000), rounding: .down)
            #expect(inOrder == ideal)
        }
    }

    @Test("worked example: in order and reversed both end at 66")
    func commuteExample() throws {
        // Trader 1000 -> +100 (r = 0.1) -> 1100 -> +220 (r = 0.2). Copier 50:
        // in order 50 + 5 = 55, + 11 = 66; reversed 50 + 10 = 60, + 6 = 66.
        let first = signal(id: "a", before: 1_000, delta: 100)
        let second = signal(id: "b", before: 1_100, delta: 220)
        #expect(try apply(first, second, to: 50) == 66)
        #expect(try apply(second, first, to: 50) == 66)
    }
}
