import TestSupport
import Testing
@testable import CopyTradeCore

/// The protections' pure formulas; `--filter ProtectionFormulaTests` runs both suites.
@Suite("Protection formulas")
enum ProtectionFormulaTests {}

/// Take-profit / stop-loss trigger prices (``CopyTriggers``): the worked examples, refusals, and
/// random cases checked against an oracle written separately here, in plain `Int128` on 1e-8 units.
extension ProtectionFormulaTests {
    @Suite("Copy trigger prices")
    struct Triggers {
        // MARK: Worked examples

        /// BTCUSDT, tick 0.1: long 20000 at 10x, tp 0.5, sl 0.3 → 20000*(1 + 0.05) and 20000*(1 - 0.03).
        @Test func btcLongWorkedExample() throws {
            let t = try CopyTriggers.of(side: .long, entry: 20000, leverage: 10, takeProfitRatio: "0.5", stopLossRatio: "0.3", tick: "0.1")
            #expect(t.takeProfit == 21000)
            #expect(t.stopLoss == 19400)
        }

        /// The same copy short: the take profit is below the entry, the stop loss above.
        @Test func btcShortMirrorsTheLong() throws {
            let t = try CopyTriggers.of(side: .short, entry: 20000, leverage: 10, takeProfitRatio: "0.5", stopLossRatio: "0.3", tick: "0.1")
            #expect(t.takeProfit == 19000)
            #expect(t.stopLoss == 20600)
            #expect(t.takesProfit(side: .short, at: 19000))
            #expect(!t.takesProfit(side: .short, at: "19000.1"))
            #expect(t.stopsLoss(side: .short, at: 20600))
            #expect(!t.stopsLoss(side: .short, at: "20599.9"))
        }

        /// 100*(1 + 0.1/3) = 103.333…: a long take profit rounds up (103.34), a long stop loss
        /// 100*(1 - 0.1/3) = 96.666… rounds down (96.66); a short swaps the directions.
        @Test func offTickPricesRoundTowardTheSideWhereTheRuleHolds() throws {
            let long = try CopyTriggers.of(side: .long, entry: 100, leverage: 3, takeProfitRatio: "0.1", stopLossRatio: "0.1", tick: "0.01")
            #expect(long.takeProfit == "103.34")
            #expect(long.stopLoss == "96.66")
            let short = try CopyTriggers.of(side: .short, entry: 100, leverage: 3, takeProfitRatio: "0.1", stopLossRatio: "0.1", tick: "0.01")
            #expect(short.takeProfit == "96.66")
            #expect(short.stopLoss == "103.34")
        }

        /// Rounded once, from the exact quotient, never to nearest first: at 50000x a ratio of 1e-8
        /// moves 20000 by 0.000000004, so the exact take profit is 20000.000000004 (→ 20000.1, up) and
        /// the exact stop loss 19999.999999996 (→ 19999.9, down). Rounding to 8 places first would
        /// give 20000 for both, where neither rule holds.
        @Test func roundsOnceNotThroughEightPlaces() throws {
            let t = try CopyTriggers.of(side: .long, entry: 20000, leverage: 50000, takeProfitRatio: .ulp, stopLossRatio: .ulp, tick: "0.1")
            #expect(t.takeProfit == "20000.1")
            #expect(t.stopLoss == "19999.9")
        }

        // MARK: Nonexistent triggers and refusals

        /// A long's stop loss at a ratio of L or more is at or below zero: no trigger at all.
        @Test(arguments: ["10", "10.00000001", "25"])
        func longStopLossAtOrBeyondLeverageIsNone(ratio: String) throws {
            let t = try CopyTriggers.of(side: .long, entry: 20000, leverage: 10, takeProfitRatio: "0.5",
                                        stopLossRatio: try Decimal8(parsing: ratio), tick: "0.1")
            #expect(t.stopLoss == nil)
            #expect(t.takeProfit == 21000)
            #expect(!t.stopsLoss(side: .long, at: .ulp))
        }

        /// The same for a short's take profit (the price would have to reach zero).
        @Test func shortTakeProfitAtLeverageIsNone() throws {
            let t = try CopyTriggers.of(side: .short, entry: 20000, leverage: 5, takeProfitRatio: 5, stopLossRatio: nil, tick: "0.1")
            #expect(t.takeProfit == nil)
            #expect(t.stopLoss == nil)
        }

        /// Positive but below one tick: a mark on the tick can never reach it, so there is none.
        @Test func longStopLossBelowOneTickIsNone() throws {
            // 1 * (10 - 9.99999999) / 10 = 0.000000001… → below tick 0.1.
            let t = try CopyTriggers.of(side: .long, entry: 1, leverage: 10, takeProfitRatio: nil, stopLossRatio: "9.99999999", tick: "0.1")
            #expect(t.stopLoss == nil)
        }

        @Test(arguments: ["0", "-0.1", "-0.00000001"])
        func nonPositiveTakeProfitRatioIsRefusedNamingIt(ratio: String) {
            let r = try! Decimal8(parsing: ratio)
            #expect(refusal { try CopyTriggers.of(side: .long, entry: 20000, leverage: 10, takeProfitRatio: r, stopLossRatio: nil, tick: "0.1") }
                    == "tpRatio")
        }

        @Test(arguments: ["0", "-0.3"])
        func nonPositiveStopLossRatioIsRefusedNamingIt(ratio: String) {
            let r = try! Decimal8(parsing: ratio)
            #expect(refusal { try CopyTriggers.of(side: .short, entry: 20000, leverage: 10, takeProfitRatio: "0.5", stopLossRatio: r, tick: "0.1") }
                    == "slRatio")
        }

        @Test func badEntryLeverageAndTickAreRefusedNamingThem() {
            #expect(refusal { try CopyTriggers.of(side: .long, entry: 0, leverage: 10, takeProfitRatio: "0.5", stopLossRatio: nil, tick: "0.1") } == "entry")
            #expect(refusal { try CopyTriggers.of(side: .long, entry: 1, leverage: 0, takeProfitRatio: "0.5", stopLossRatio: nil, tick: "0.1") } == "leverage")
            #expect(refusal { try CopyTriggers.of(side: .long, entry: 1, leverage: 1, takeProfitRatio: "0.5", stopLossRatio: nil, tick: 0) } == "tick")
            #expect(refusal { try CopyTriggers.of(side: .long, entry: 1, leverage: 1, takeProfitRatio: nil, stopLossRatio: nil, tick: "-0.1") } == "tick")
        }

        /// No ratio set: no triggers, and nothing fires.
        @Test func noRatiosNoTriggers() throws {
            let t = try CopyTriggers.of(side: .long, entry: 20000, leverage: 10, takeProfitRatio: nil, stopLossRatio: nil, tick: "0.1")
            #expect(t == CopyTriggers())
            #expect(!t.takesProfit(side: .long, at: .max))
            #expect(!t.stopsLoss(side: .long, at: .ulp))
        }

        // MARK: Property: the oracle

        /// A trigger computed separately: the exact price is `num/den` units of 1e-8 with
        /// `num = e*(L*1e8 ± ρ)` and `den = L*1e8`; it is brought to the tick by integer floor or
        /// ceiling division, in `Int128`, without any of the production code's helpers.
        struct Oracle {
            var num: Int128
            var den: Int128
            /// The on-tick price in units, nil when none exists.
            var onTick: Int64?

            init(entry e: Int64, leverage l: Int, ratio rho: Int64, up: Bool, tick t: Int64) {
                let scaledL = Int128(l) * 100_000_000
                num = Int128(e) * (up ? scaledL + Int128(rho) : scaledL - Int128(rho))
                den = scaledL
                guard num > 0 else { onTick = nil; return }
                let steps = up ? Self.ceilDiv(num, den * Int128(t)) : num / (den * Int128(t))
                let units = steps * Int128(t)
                onTick = units > 0 ? Int64(exactly: units) : nil
            }

            static func ceilDiv(_ a: Int128, _ b: Int128) -> Int128 { (a + b - 1) / b }   // a, b > 0
        }

        static let ticks: [Int64] = [1, 10, 100, 1_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000, 100_000_000, 1_000_000_000]

        /// 4000 random copies: prices equal the oracle's, lie on the tick, and the rule holds at the
        /// shown price (T ≥ exact > T - tick for a trigger firing at or above, T ≤ exact < T + tick
        /// for one firing at or below).
        @Test func triggersMatchTheOracleAndTheRuleHoldsAtTheShownPrice() throws {
            var rng = SplitMix64(seed: 0x7_9510_0001)
            var compared = 0, none = 0
            for _ in 0..<4000 {
                let tick = Self.ticks.randomElement(using: &rng)!
                // Mostly up to 100,000, one in six below 0.01 (where the tick matters most).
                let entryCeiling: Int64 = rng.int(1...6) == 1 ? 1_000_000 : 10_000_000_000_000
                let entry = rng.int(1...entryCeiling)
                let leverage = Int(rng.int(1...200))
                let side: Side = Bool.random(using: &rng) ? .long : .short
                let tp = Self.randomRatio(&rng, leverage: leverage)
                let sl = Self.randomRatio(&rng, leverage: leverage)
                let t = try CopyTriggers.of(side: side, entry: Decimal8(units: entry), leverage: leverage,
                                            takeProfitRatio: Decimal8(units: tp), stopLossRatio: Decimal8(units: sl), tick: Decimal8(units: tick))
                for (shown, ratio, up) in [(t.takeProfit, tp, side == .long), (t.stopLoss, sl, side == .short)] {
                    let o = Oracle(entry: entry, leverage: leverage, ratio: ratio, up: up, tick: tick)
                    #expect(shown?.units == o.onTick, "side \(side) E \(entry) L \(leverage) ratio \(ratio) tick \(tick) up \(up)")
                    guard let price = shown else {
                        none += 1
                        // None only when no positive mark on the tick could reach it.
                        #expect(!up && o.num < Int128(tick) * o.den, "E \(entry) L \(leverage) ratio \(ratio) tick \(tick)")
                        continue
                    }
                    compared += 1
                    let p = Int128(price.units), step = Int128(tick)
                    #expect(p % step == 0)
                    if up {
                        #expect(p * o.den >= o.num && (p - step) * o.den < o.num, "up: E \(entry) L \(leverage) ratio \(ratio) tick \(tick)")
                    } else {
                        #expect(p * o.den <= o.num && (p + step) * o.den > o.num, "down: E \(entry) L \(leverage) ratio \(ratio) tick \(tick)")
                    }
                }
            }
            #expect(compared > 6000)
            #expect(none > 50)
        }

        /// The rule as the engine applies it: for every mark on the tick near the trigger, the
        /// trigger fires at the shown price exactly when the mark reaches the exact formula price.
        @Test func firingAtTheShownPriceEqualsReachingTheExactPrice() throws {
            var rng = SplitMix64(seed: 0x7_9510_0002)
            for _ in 0..<1500 {
                let tick = Self.ticks.randomElement(using: &rng)!
                let entry = rng.int(1...1_000_000) * tick
                let leverage = Int(rng.int(1...150))
                let side: Side = Bool.random(using: &rng) ? .long : .short
                let tp = Self.randomRatio(&rng, leverage: leverage), sl = Self.randomRatio(&rng, leverage: leverage)
                let t = try CopyTriggers.of(side: side, entry: Decimal8(units: entry), leverage: leverage,
                                            takeProfitRatio: Decimal8(units: tp), stopLossRatio: Decimal8(units: sl), tick: Decimal8(units: tick))
                let tpOracle = Oracle(entry: entry, leverage: leverage, ratio: tp, up: side == .long, tick: tick)
                let slOracle = Oracle(entry: entry, leverage: leverage, ratio: sl, up: side == .short, tick: tick)
                for (oracle, isTakeProfit) in [(tpOracle, true), (slOracle, false)] {
                    guard let center = oracle.onTick else { continue }
                    for k in Int64(-3)...3 {
                        let mark = center + k * tick
                        guard mark > 0 else { continue }
                        let m = Int128(mark)
                        // Reaching the exact price: at or above it (m*den ≥ num), or at or below it.
                        let reachesUp = m * oracle.den >= oracle.num, reachesDown = m * oracle.den <= oracle.num
                        if isTakeProfit {
                            #expect(t.takesProfit(side: side, at: Decimal8(units: mark)) == (side == .long ? reachesUp : reachesDown))
                        } else {
                            #expect(t.stopsLoss(side: side, at: Decimal8(units: mark)) == (side == .short ? reachesUp : reachesDown))
                        }
                    }
                }
            }
        }

        /// Mostly below the leverage, sometimes exactly it or above (a long's stop loss is then none).
        static func randomRatio(_ rng: inout SplitMix64, leverage: Int) -> Int64 {
            switch rng.int(0...9) {
            case 0: return Int64(leverage) * 100_000_000
            case 1: return rng.int(Int64(leverage) * 100_000_000...Int64(leverage) * 300_000_000)
            case 2: return rng.int(1...1_000)
            case 3: return Int64(leverage) * 100_000_000 - rng.int(1...1_000_000)
            default: return rng.int(1...Int64(leverage) * 100_000_000)
            }
        }
    }
}

/// Profit-share settlement (``ProfitShareSettlement``): the worked examples, refusals, and
/// random histories against a high-water-mark oracle in `Int128`.
extension ProtectionFormulaTests {
    @Suite("Profit-share settlement")
    struct Settlements {
        /// Unlimited balance, for settlements that are never short.
        static let plenty = Decimal8.max

        /// The Binance table at r = 0.1: 200 → pays 20; 50 → 0; 150 → 0; 300 → pays 10 (30 in all).
        @Test func binanceTable() throws {
            var shared = Decimal8.zero
            for (net, due, sharedAfter) in [(Decimal8(200), Decimal8(20), Decimal8(20)), (50, 0, 20), (150, 0, 20), (300, 10, 30)] {
                let s = try ProfitShareSettlement.settle(net: net, ratio: "0.1", shared: shared, available: Self.plenty)
                #expect(s.due == due, "N = \(net)")
                #expect(s.paid == due, "N = \(net)")
                #expect(s.shared == sharedAfter, "N = \(net)")
                #expect(!s.isShort)
                shared = s.shared
            }
        }

        /// The engine's example: 484.8525 * 0.1 = 48.48525 exactly.
        @Test func engineExample() throws {
            let s = try ProfitShareSettlement.settle(net: "484.8525", ratio: "0.1", shared: 0, available: Self.plenty)
            #expect(s.due == "48.48525")
            #expect(s.paid == "48.48525")
            #expect(s.shared == "48.48525")
        }

        /// N*r is rounded down to 1e-8: 0.00000003 * 0.5 = 0.000000015 → 0.00000001.
        @Test func shareRoundsDownToTheUnit() throws {
            let s = try ProfitShareSettlement.settle(net: "0.00000003", ratio: "0.5", shared: 0, available: Self.plenty)
            #expect(s.due == .ulp)
        }

        /// Short of balance: pays what there is, and the rest is due at the next settlement.
        @Test func partialPaymentLeavesTheRestDue() throws {
            let first = try ProfitShareSettlement.settle(net: 200, ratio: "0.1", shared: 0, available: "7.5")
            #expect(first.due == 20)
            #expect(first.paid == "7.5")
            #expect(first.shared == "7.5")
            #expect(first.isShort)
            let second = try ProfitShareSettlement.settle(net: 200, ratio: "0.1", shared: first.shared, available: 100)
            #expect(second.due == "12.5")
            #expect(second.paid == "12.5")
            #expect(second.shared == 20)
            #expect(!second.isShort)
        }

        /// No balance (or a negative one) pays nothing and is short.
        @Test(arguments: ["0", "-5"])
        func noBalancePaysNothing(available: String) throws {
            let s = try ProfitShareSettlement.settle(net: 200, ratio: "0.1", shared: 0, available: try Decimal8(parsing: available))
            #expect(s.paid == 0)
            #expect(s.shared == 0)
            #expect(s.isShort)
        }

        /// A loss after a profit is never refunded: nothing due, `shared` unchanged.
        @Test(arguments: ["150", "0", "-500"])
        func lossAfterProfitIsNotRefunded(net: String) throws {
            let s = try ProfitShareSettlement.settle(net: try Decimal8(parsing: net), ratio: "0.1", shared: 20, available: Self.plenty)
            #expect(s.due == 0)
            #expect(s.paid == 0)
            #expect(s.shared == 20)
            #expect(!s.isShort)
        }

        @Test(arguments: ["0.50000001", "0.6", "1", "-0.00000001", "-0.1"])
        func ratioOutsideZeroToHalfIsRefused(ratio: String) {
            let r = try! Decimal8(parsing: ratio)
            #expect(refusal { try ProfitShareSettlement.settle(net: 200, ratio: r, shared: 0, available: Self.plenty) } == "profitShareRatio")
        }

        @Test(arguments: ["0", "0.5"])
        func ratioBoundsAreAccepted(ratio: String) throws {
            let s = try ProfitShareSettlement.settle(net: 200, ratio: try Decimal8(parsing: ratio), shared: 0, available: Self.plenty)
            #expect(s.due == (ratio == "0" ? 0 : 100))
        }

        @Test func negativeSharedIsRefused() {
            #expect(refusal { try ProfitShareSettlement.settle(net: 200, ratio: "0.1", shared: "-1", available: Self.plenty) } == "shared")
        }

        /// The extremes: the largest loss against the largest `shared` owes nothing (no overflow),
        /// and the largest profit at 0.5 is shared exactly.
        @Test func extremesDoNotOverflow() throws {
            let loss = try ProfitShareSettlement.settle(net: .min, ratio: "0.5", shared: .max, available: Self.plenty)
            #expect(loss.due == 0 && loss.paid == 0 && loss.shared == .max)
            let gain = try ProfitShareSettlement.settle(net: .max, ratio: "0.5", shared: 0, available: Self.plenty)
            #expect(gain.due.units == Int64.max / 2)
            #expect(gain.shared == gain.due)
        }

        // MARK: Property: the oracle

        /// `floor(N*r)` in units of 1e-8, computed in `Int128` with an explicit floor for negatives.
        static func oracleShare(net: Int64, ratio: Int64) -> Int128 {
            let product = Int128(net) * Int128(ratio)
            let (q, r) = product.quotientAndRemainder(dividingBy: 100_000_000)
            return r < 0 ? q - 1 : q
        }

        /// 400 random histories of 10 settlements each (4000 settlements) with random balances:
        /// the due and paid amounts equal the oracle's, `shared` never decreases, nothing is paid
        /// beyond the balance or the due, and `shared` never exceeds the higher of its previous value
        /// and `N*r`.
        @Test func settlementsMatchTheOracle() throws {
            var rng = SplitMix64(seed: 0x5_4A7E_0001)
            var short = 0
            for _ in 0..<400 {
                let ratio = rng.int(0...50_000_000)
                var net = rng.int(-100_000_000_000...100_000_000_000)
                var shared = Decimal8(units: rng.int(0...1_000_000_000))
                for _ in 0..<10 {
                    net += rng.int(-50_000_000_000...80_000_000_000)
                    let available: Int64 = switch rng.int(0...3) {
                    case 0: rng.int(-1_000_000_000...0)
                    case 1: rng.int(0...5_000_000_000)
                    default: Int64.max
                    }
                    let s = try ProfitShareSettlement.settle(net: Decimal8(units: net), ratio: Decimal8(units: ratio), shared: shared,
                                                             available: Decimal8(units: available))
                    let share = Self.oracleShare(net: net, ratio: ratio)
                    let due = max(0, share - Int128(shared.units))
                    let paid = min(due, max(0, Int128(available)))
                    #expect(Int128(s.due.units) == due, "N \(net) r \(ratio) shared \(shared)")
                    #expect(Int128(s.paid.units) == paid)
                    #expect(s.shared >= shared)
                    #expect(s.shared.units == shared.units + s.paid.units)
                    #expect(s.paid.units <= max(0, available))
                    #expect(s.paid <= s.due)
                    #expect(Int128(s.shared.units) <= max(Int128(shared.units), share))
                    #expect(s.isShort == (paid < due))
                    if s.isShort { short += 1 }
                    shared = s.shared
                }
            }
            #expect(short > 100)
        }

        /// With enough balance every time, `shared` after each settlement is the high-water mark of
        /// `floor(N*r)` over the history (and 0 before any profit).
        @Test func sharedIsTheHighWaterMarkWithEnoughBalance() throws {
            var rng = SplitMix64(seed: 0x5_4A7E_0002)
            for _ in 0..<300 {
                let ratio = rng.int(0...50_000_000)
                var net: Int64 = 0
                var shared = Decimal8.zero
                var highWater: Int128 = 0
                for _ in 0..<12 {
                    net += rng.int(-60_000_000_000...60_000_000_000)
                    let s = try ProfitShareSettlement.settle(net: Decimal8(units: net), ratio: Decimal8(units: ratio), shared: shared,
                                                             available: Self.plenty)
                    highWater = max(highWater, Self.oracleShare(net: net, ratio: ratio))
                    #expect(Int128(s.shared.units) == highWater, "N \(net) r \(ratio)")
                    #expect(!s.isShort)
                    shared = s.shared
                }
            }
        }

        /// A short settlement only delays: once the balance suffices, settling at the best result
        /// so far brings `shared` to the same high-water mark as if every settlement had been
        /// paid in full, and never beyond it on the way.
        @Test func shortSettlementsCatchUp() throws {
            var rng = SplitMix64(seed: 0x5_4A7E_0003)
            for _ in 0..<300 {
                let ratio = rng.int(1...50_000_000)
                var net: Int64 = 0
                var shared = Decimal8.zero
                var highWater: Int128 = 0
                var peakNet: Int64 = 0
                for _ in 0..<8 {
                    net += rng.int(-60_000_000_000...60_000_000_000)
                    let share = Self.oracleShare(net: net, ratio: ratio)
                    if share > highWater { (highWater, peakNet) = (share, net) }
                    let available = Decimal8(units: rng.int(0...2_000_000_000))
                    shared = try ProfitShareSettlement.settle(net: Decimal8(units: net), ratio: Decimal8(units: ratio), shared: shared,
                                                              available: available).shared
                    #expect(Int128(shared.units) <= highWater)
                }
                let s = try ProfitShareSettlement.settle(net: Decimal8(units: peakNet), ratio: Decimal8(units: ratio), shared: shared,
                                                         available: Self.plenty)
                #expect(Int128(s.shared.units) == highWater, "r \(ratio) peak \(peakNet)")
                #expect(Int128(s.paid.units) == highWater - Int128(shared.units))
            }
        }
    }
}

/// The field a refusal names, or a marker when the body did not refuse (or threw something else).
private func refusal<T>(_ body: () throws -> T) -> String {
    do {
        _ = try body()
        return "<no refusal>"
    } catch let e as DomainError {
        return e.field
    } catch {
        return "<not a DomainError: \(error)>"
    }
}
