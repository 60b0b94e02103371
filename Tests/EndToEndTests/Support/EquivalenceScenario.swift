import CopyTradeCore
import CopyTradeProto
import Foundation
import Logging
import SwiftProtobuf
import TTRPC

// Issue 11's equivalence check: one scripted scenario, applied one step at a time with a
// barrier after each, must leave every account in the same state whichever way the coordinator
// is deployed (one process on SQLite, or several processes and shards on PostgreSQL). This file
// holds the four parts, each usable on its own:
//
// - `EquivalenceScenario.steps()`: the scenario, a fixed list of control calls from a seed;
// - `EquivalenceTarget`: where it runs, "a way to call a control method" plus "a barrier";
//   `.daemon(client)` is one `copytraded` process; a cluster is another target;
// - `EquivalenceDriver.run`: applies the steps, recording refusals as outcomes;
// - `AccountResult`: what is compared per account, and how a difference is named.

// MARK: - The scenario

/// The scenario: the seed scenario's inputs (trader T001, copiers C001-C004; the margin sync
/// and auto margin steps that do not depend on the wall clock), then 200 accounts (20 traders,
/// 180 copiers) with follows of every kind, then random activity drawn from a SplitMix64 with a
/// fixed seed: opens and closes on all four built-in symbols, margin adds and reduces, mark moves
/// (some sharp, to liquidate copies and trigger auto margin), deposits, withdrawals (some too
/// large), pauses, resumes, unfollows and new follows, auto margin switches, a few resting
/// orders and a few deliberately invalid inputs.
///
/// The list is the same on every run, machine and process: the generator never iterates a
/// `Dictionary` or `Set` (their order is seeded per process) and uses only exact IEEE arithmetic
/// (no transcendental functions). It never asks the coordinator anything: it keeps a rough model
/// of balances and positions only to make most inputs sensible, and an input the model got wrong
/// is simply refused, which is a recorded outcome like any other. No request carries `at_ms`: an
/// occurrence time is the receive time, so nothing depends on when a step runs (the seed
/// scenario's late and out-of-order signals, which need wall-clock times, are left out).
enum EquivalenceScenario {
    /// One control call: `method` of `copytrade.v1.Control` with `request`, whose idempotency
    /// key is ``key``.
    struct Step: Sendable, CustomStringConvertible {
        /// 1-based position in the scenario.
        let number: Int
        let method: String
        let request: any SwiftProtobuf.Message
        /// What the step is meant to do, for failure messages.
        let note: String

        /// The step's own idempotency key (also set in `request`).
        var key: String { EquivalenceScenario.key(number) }
        var description: String { "step \(number) \(method) (\(note))" }
    }

    /// The scenario's size and seed.
    struct Shape: Sendable {
        var traders = 20
        var copiers = 180
        /// Total steps, setup and the closing mark included (`COPYTRADE_EQUIVALENCE_STEPS` for a
        /// shorter run while working on it; the suites' figure is 10,000).
        var steps = ProcessInfo.processInfo.environment["COPYTRADE_EQUIVALENCE_STEPS"].flatMap(Int.init) ?? 10_000
        var seed: UInt64 = 0x0011_E0E1_5CE7_A210
    }

    static func key(_ number: Int) -> String { "eq-\(number)" }

    static func traderID(_ i: Int) -> String { "T" + threeDigits(i + 1) }
    static func copierID(_ i: Int) -> String { "C" + threeDigits(i + 1) }
    private static func threeDigits(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 3 - s.count)) + s
    }

    /// Every account the scenario creates: traders first, then copiers.
    static func accounts(_ shape: Shape = Shape()) -> [String] {
        (0..<shape.traders).map(traderID) + (0..<shape.copiers).map(copierID)
    }

    /// The scenario's steps: `shape.steps` of them, or just the setup (about 800 steps for 200
    /// accounts) and the closing mark when `shape.steps` is smaller.
    static func steps(_ shape: Shape = Shape()) -> [Step] {
        precondition(shape.traders >= 2 && shape.copiers >= 4, "the seed part needs T001, T002 and C001-C004")
        var g = ScenarioGenerator(shape)
        g.openMarket()
        g.seedScenario()
        g.accountsAndFollows()
        while g.steps.count < shape.steps - 1 { g.randomStep() }
        g.closingMark()
        return g.steps
    }

    /// The parts of the built-in market (`Sources/Pricing/Resources/default-market.json`) the
    /// generator needs; amounts in units of 1e-8. The end-to-end tests do not link Pricing, and
    /// a changed market file should break this scenario loudly (refusals) rather than quietly.
    struct MarketSymbol: Sendable {
        let name: String
        let tick: Int64
        let step: Int64
        let maxLeverage: Int
        /// The first mark and the level the random walk returns to.
        let start: Int64
        /// The first tier's maintenance rate, for the generator's rough liquidation estimate.
        let mmr: Double
        /// How often the generator picks the symbol, relative to the others.
        let weight: Double
    }

    static let market = [
        MarketSymbol(name: "BTCUSDT", tick: 10_000_000, step: 10_000, maxLeverage: 150, start: 20_000 * e8, mmr: 0.0034, weight: 0.4),
        MarketSymbol(name: "ETHUSDT", tick: 1_000_000, step: 100_000, maxLeverage: 100, start: 1_500 * e8, mmr: 0.0055, weight: 0.3),
        MarketSymbol(name: "SOLUSDT", tick: 1_000_000, step: 1_000_000, maxLeverage: 75, start: 100 * e8, mmr: 0.0105, weight: 0.15),
        MarketSymbol(name: "DOGEUSDT", tick: 1_000, step: 100_000_000, maxLeverage: 75, start: 10_000_000, mmr: 0.0105, weight: 0.15),
    ]

    static let e8: Int64 = 100_000_000
}

/// Builds the scenario. Every `emit` appends exactly one step; the model fields are the
/// generator's guess of the state, never read back from a coordinator.
private struct ScenarioGenerator {
    typealias Step = EquivalenceScenario.Step

    struct Position {
        var side: Copytrade_V1_Side
        var quantity: Int64
        var entry: Double
        var margin: Double
        var leverage: Int
        var cross: Bool
        var autoMargin: Bool = false
    }

    struct Trader {
        let id: String
        var wallet: Double = 0
        var held: Double = 0
        /// By market index (`EquivalenceScenario.market`), so iteration order is fixed.
        var positions: [Position?] = Array(repeating: nil, count: EquivalenceScenario.market.count)

        /// The wallet less isolated margins and order holds (cross losses are not modelled).
        var available: Double {
            var free = wallet - held
            for case let p? in positions where !p.cross { free -= p.margin }
            return free
        }
        var openSymbols: [Int] { positions.indices.filter { positions[$0] != nil } }
    }

    struct Copier {
        let id: String
        var wallet: Double = 0
    }

    struct Relation {
        let copier: Int
        let trader: Int
        var paused = false
    }

    let shape: EquivalenceScenario.Shape
    let market = EquivalenceScenario.market
    var rng: SplitMix64
    var steps: [Step] = []
    var marks: [Int64]
    var traders: [Trader]
    var copiers: [Copier]
    /// Active relations in the order they were made.
    var relations: [Relation] = []

    init(_ shape: EquivalenceScenario.Shape) {
        self.shape = shape
        rng = SplitMix64(seed: shape.seed)
        marks = EquivalenceScenario.market.map(\.start)
        traders = (0..<shape.traders).map { Trader(id: EquivalenceScenario.traderID($0)) }
        copiers = (0..<shape.copiers).map { Copier(id: EquivalenceScenario.copierID($0)) }
    }

    // MARK: Randomness (all from `rng`, in a fixed order)

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func uniform(_ a: Double, _ b: Double) -> Double { Double.random(in: a..<b, using: &rng) }
    mutating func index(_ count: Int) -> Int { Int.random(in: 0..<count, using: &rng) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[index(xs.count)] }

    mutating func pickSymbol() -> Int {
        var r = uniform(0, market.reduce(0) { $0 + $1.weight })
        for (i, s) in market.enumerated() {
            if r < s.weight { return i }
            r -= s.weight
        }
        return market.count - 1
    }

    // MARK: Amounts

    var nextKey: String { EquivalenceScenario.key(steps.count + 1) }

    /// A USDT amount in units of 1e-8, rounded down to the cent (at least one cent).
    static func usdt(_ x: Double) -> Int64 { max(1, Int64((x * 100).rounded(.down))) * 1_000_000 }
    static func value(_ e8: Int64) -> Double { Double(e8) / 1e8 }
    /// The nearest price on the symbol's tick (at least one tick).
    func onTick(_ price: Double, _ s: Int) -> Int64 {
        max(1, Int64((price * 1e8 / Double(market[s].tick)).rounded())) * market[s].tick
    }
    /// A quantity rounded down to the symbol's step (at least one step).
    func onStep(_ quantity: Double, _ s: Int) -> Int64 {
        max(1, Int64((quantity * 1e8 / Double(market[s].step)).rounded(.down))) * market[s].step
    }
    func mark(_ s: Int) -> Double { Self.value(marks[s]) }

    mutating func emit(_ method: String, _ request: some SwiftProtobuf.Message, _ note: String) {
        steps.append(Step(number: steps.count + 1, method: method, request: request, note: note))
    }

    // MARK: Building blocks (one step each)

    mutating func setMark(_ s: Int, _ price: Int64, _ note: String = "") {
        var r = Copytrade_V1_SetMarkPriceRequest()
        r.key = nextKey
        r.symbol = market[s].name
        r.priceE8 = price
        emit("SetMark", r, "\(market[s].name) \(Decimal8(units: price))" + (note.isEmpty ? "" : " \(note)"))
        marks[s] = price
        liquidateModel(s)
    }

    mutating func createAccount(_ id: String, trader: Bool) {
        var r = Copytrade_V1_CreateAccountRequest()
        r.key = nextKey
        r.accountID = id
        r.role = trader ? .trader : .copier
        emit("CreateAccount", r, "\(id) \(trader ? "trader" : "copier")")
    }

    mutating func transfer(_ method: String, _ id: String, _ amount: Int64) {
        var r = Copytrade_V1_TransferRequest()
        r.key = nextKey
        r.accountID = id
        r.amountE8 = amount
        emit(method, r, "\(id) \(Decimal8(units: amount))")
    }

    mutating func deposit(trader t: Int, _ amount: Double) {
        transfer("Deposit", traders[t].id, Self.usdt(amount))
        traders[t].wallet += Self.value(Self.usdt(amount))
    }

    mutating func deposit(copier c: Int, _ amount: Double) {
        transfer("Deposit", copiers[c].id, Self.usdt(amount))
        copiers[c].wallet += Self.value(Self.usdt(amount))
    }

    /// A follow with terms drawn at random (or the seed's: proportional `multiplier` at 10x).
    mutating func follow(copier c: Int, trader t: Int, seedMultiplier: String? = nil) {
        var r = Copytrade_V1_FollowRequest()
        r.key = nextKey
        r.copierID = copiers[c].id
        r.traderID = traders[t].id
        var terms: [String] = []
        if let m = seedMultiplier {
            r.mode = .proportional
            r.multiplierE8 = (try? Decimal8(parsing: m))?.units ?? 0
            r.leverage = 10
            terms = ["x\(m)", "10x"]
        } else {
            if chance(0.25) {
                r.mode = .fixed
                r.fixedMarginE8 = pick([50, 100, 250, 500, 1_000]) * EquivalenceScenario.e8
                terms.append("fixed \(Decimal8(units: r.fixedMarginE8))")
            } else {
                r.mode = .proportional
                r.multiplierE8 = pick([10, 25, 50, 75, 100, 150, 200, 300, 500]) * 1_000_000
                terms.append("x\(Decimal8(units: r.multiplierE8))")
            }
            r.leverage = Int32(pick([2, 3, 5, 10, 10, 20, 25, 50]))
            terms.append("\(r.leverage)x")
            if chance(0.15) {
                let s = pick([1, 3])
                r.symbolLeverage = [market[s].name: Int32(pick([5, 20]))]
                terms.append("\(market[s].name) \(r.symbolLeverage[market[s].name]!)x")
            }
            if chance(0.15) {
                r.marginMode = .cross
                terms.append("cross")
            } else if chance(0.06) {
                r.symbolMarginMode = ["SOLUSDT": .cross]
                terms.append("SOLUSDT cross")
            }
            if chance(0.35) {
                r.autoMarginAmountE8 = pick([50, 100, 250, 500, 1_000]) * EquivalenceScenario.e8
                terms.append("auto margin \(Decimal8(units: r.autoMarginAmountE8))")
            }
            if chance(0.1) {
                r.maxMarginPerOrderE8 = pick([200, 1_000]) * EquivalenceScenario.e8
                terms.append("max per order \(Decimal8(units: r.maxMarginPerOrderE8))")
            }
            if chance(0.1) {
                r.maxTotalMarginE8 = pick([2_000, 5_000]) * EquivalenceScenario.e8
                terms.append("max total \(Decimal8(units: r.maxTotalMarginE8))")
            }
            if chance(0.1) {
                r.hasSlippage_p = true
                r.slippageE8 = pick([100_000, 2_000_000])
                terms.append("slippage \(Decimal8(units: r.slippageE8))")
            }
        }
        emit("Follow", r, "\(copiers[c].id) follows \(traders[t].id) " + terms.joined(separator: " "))
        if !relations.contains(where: { $0.copier == c && $0.trader == t }) { relations.append(Relation(copier: c, trader: t)) }
    }

    mutating func open(trader t: Int, _ s: Int, side: Copytrade_V1_Side, quantity: Int64, price: Int64, leverage: Int,
                       cross: Bool, note: String = "") {
        var r = Copytrade_V1_OpenRequest()
        r.key = nextKey
        r.accountID = traders[t].id
        r.symbol = market[s].name
        r.side = side
        r.quantityE8 = quantity
        r.priceE8 = price
        r.leverage = Int32(leverage)
        if cross { r.marginMode = .cross }
        emit("Open", r, "\(traders[t].id) \(side == .long ? "long" : "short") \(Decimal8(units: quantity)) \(market[s].name) @ \(Decimal8(units: price)) \(leverage)x"
             + (cross ? " cross" : "") + (note.isEmpty ? "" : " \(note)"))
        // The model: the open is taken when it is affordable and on the same side.
        let q = Self.value(quantity), f = Self.value(price)
        let lev = traders[t].positions[s]?.leverage ?? leverage
        let margin = q * f / Double(lev), fee = q * f * 0.0005
        guard margin + fee <= traders[t].available else { return }
        if var p = traders[t].positions[s] {
            guard p.side == side, p.cross == cross else { return }
            let total = p.quantity + quantity
            p.entry = (Self.value(p.quantity) * p.entry + q * f) / Self.value(total)
            p.quantity = total
            p.margin += margin
            traders[t].positions[s] = p
        } else {
            traders[t].positions[s] = Position(side: side, quantity: quantity, entry: f, margin: margin, leverage: leverage, cross: cross)
        }
        traders[t].wallet -= fee
    }

    /// `quantity` 0 closes all; `price` 0 closes at the mark.
    mutating func close(trader t: Int, _ s: Int, quantity: Int64, price: Int64) {
        var r = Copytrade_V1_CloseRequest()
        r.key = nextKey
        r.accountID = traders[t].id
        r.symbol = market[s].name
        r.quantityE8 = quantity
        r.priceE8 = price
        emit("Close", r, "\(traders[t].id) \(market[s].name) \(quantity == 0 ? "all" : "\(Decimal8(units: quantity))") at \(price == 0 ? "the mark" : "\(Decimal8(units: price))")")
        guard var p = traders[t].positions[s] else { return }
        let closed = quantity == 0 ? p.quantity : quantity
        guard closed <= p.quantity else { return }
        let exit = price == 0 ? mark(s) : Self.value(price)
        let q = Self.value(closed)
        var pnl = (p.side == .long ? 1 : -1) * q * (exit - p.entry) - q * exit * 0.0005
        let released = p.margin * q / Self.value(p.quantity)
        if !p.cross { pnl = max(pnl, -released) }
        traders[t].wallet += pnl
        if closed == p.quantity {
            traders[t].positions[s] = nil
        } else {
            p.quantity -= closed
            p.margin -= released
            traders[t].positions[s] = p
        }
    }

    mutating func adjustMargin(trader t: Int, _ s: Int, delta: Int64) {
        var r = Copytrade_V1_AdjustMarginRequest()
        r.key = nextKey
        r.accountID = traders[t].id
        r.symbol = market[s].name
        r.deltaE8 = delta
        emit("AdjustMargin", r, "\(traders[t].id) \(market[s].name) \(delta > 0 ? "+" : "")\(Decimal8(units: delta))")
        guard var p = traders[t].positions[s], !p.cross else { return }
        let d = Self.value(delta)
        if d > 0 {
            guard d <= traders[t].available else { return }
        } else {
            // The maximum reducible is unknown here; a small reduction is usually within it.
            guard -d <= p.margin * 0.15 else { return }
        }
        p.margin += d
        traders[t].positions[s] = p
    }

    mutating func setAutoMargin(_ account: String, _ s: Int, enabled: Bool, amount: Int64) {
        var r = Copytrade_V1_SetAutoMarginRequest()
        r.key = nextKey
        r.accountID = account
        r.symbol = market[s].name
        r.enabled = enabled
        if enabled { r.amountE8 = amount }
        emit("SetAutoMargin", r, "\(account) \(market[s].name) " + (enabled ? "on \(Decimal8(units: amount))" : "off"))
    }

    mutating func relationCall(_ method: String, _ rel: Relation) {
        var r = Copytrade_V1_RelationRequest()
        r.key = nextKey
        r.copierID = copiers[rel.copier].id
        r.traderID = traders[rel.trader].id
        emit(method, r, "\(copiers[rel.copier].id) / \(traders[rel.trader].id)")
    }

    // MARK: The model's liquidations

    /// After a mark: drops the trader positions the mark has (roughly) liquidated, so that later
    /// closes and margin adjustments mostly aim at positions that exist. Auto margin is assumed
    /// to save a position while the trader has at least its margin available.
    mutating func liquidateModel(_ s: Int) {
        let m = mark(s), mmr = market[s].mmr
        for t in traders.indices {
            guard var p = traders[t].positions[s] else { continue }
            let q = Self.value(p.quantity)
            let liquidated: Bool
            if p.cross {
                let loss = (p.side == .long ? 1 : -1) * q * (p.entry - m)
                liquidated = loss > traders[t].available + q * p.entry / Double(p.leverage) - q * m * mmr
            } else {
                let liq = p.side == .long ? (q * p.entry - p.margin) / (q * (1 - mmr)) : (q * p.entry + p.margin) / (q * (1 + mmr))
                liquidated = p.side == .long ? m <= liq : m >= liq
            }
            guard liquidated else { continue }
            if p.autoMargin, !p.cross, traders[t].available >= p.margin {
                p.margin *= 2
                traders[t].positions[s] = p
                continue
            }
            traders[t].wallet -= p.cross ? traders[t].available : p.margin
            traders[t].positions[s] = nil
        }
    }

    // MARK: Phases

    /// Every symbol's first mark, before anything opens on it.
    mutating func openMarket() {
        for s in market.indices { setMark(s, market[s].start, "(first mark)") }
    }

    /// The seed scenario (README "The two commands", tools/demo.sh) without the steps that need
    /// wall-clock occurrence times: T001 and copiers at 0.25, 1 and 5 (C003 short of balance),
    /// margin added and reduced, a fourth copier joining; then T002 walks SPEC §3's auto margin
    /// example (add 1000, add the last 500, liquidated).
    mutating func seedScenario() {
        let btc = 0
        createAccount(traders[0].id, trader: true)
        for c in 0..<4 { createAccount(copiers[c].id, trader: false) }
        deposit(trader: 0, 10_000)
        for (c, amount) in [5_000.0, 20_000, 6_000, 5_000].enumerated() { deposit(copier: c, amount) }
        for (c, m) in ["0.25", "1", "5"].enumerated() { follow(copier: c, trader: 0, seedMultiplier: m) }
        setMark(btc, 20_000 * EquivalenceScenario.e8)
        open(trader: 0, btc, side: .long, quantity: 50_000_000, price: 20_000 * EquivalenceScenario.e8, leverage: 10, cross: false)
        for delta in [500.0, -300, 100, 50] { adjustMargin(trader: 0, btc, delta: Int64(delta) * EquivalenceScenario.e8) }
        follow(copier: 3, trader: 0, seedMultiplier: "1")
        open(trader: 0, btc, side: .long, quantity: 10_000_000, price: 20_000 * EquivalenceScenario.e8, leverage: 10, cross: false)
        adjustMargin(trader: 0, btc, delta: 100 * EquivalenceScenario.e8)

        createAccount(traders[1].id, trader: true)
        deposit(trader: 1, 2_505)
        open(trader: 1, btc, side: .long, quantity: 50_000_000, price: 20_000 * EquivalenceScenario.e8, leverage: 10, cross: false)
        setAutoMargin(traders[1].id, btc, enabled: true, amount: 1_000 * EquivalenceScenario.e8)
        traders[1].positions[btc]?.autoMargin = true
        for price in [1_806_920_000_000, 1_606_150_000_000, 1_505_770_000_000] as [Int64] { setMark(btc, price, "(SPEC §3 walk)") }
    }

    /// The other accounts with their first deposits, then every copier's follows (one to three
    /// traders each; C001-C004 also follow one more).
    mutating func accountsAndFollows() {
        for t in 2..<traders.count {
            createAccount(traders[t].id, trader: true)
            deposit(trader: t, uniform(10_000, 100_000))
        }
        for c in 4..<copiers.count {
            createAccount(copiers[c].id, trader: false)
            deposit(copier: c, uniform(3_000, 50_000))
        }
        for c in copiers.indices {
            let count = c < 4 ? 1 : 1 + index(3)
            var chosen: [Int] = []
            while chosen.count < count {
                let t = index(traders.count)
                if !chosen.contains(t), !relations.contains(where: { $0.copier == c && $0.trader == t }) { chosen.append(t) }
            }
            for t in chosen { follow(copier: c, trader: t) }
        }
    }

    /// The last step: the BTCUSDT mark again at its current price. An accepted input answered
    /// only after everything before it is committed, so a margin-sync release applied after the
    /// previous step is in the journal (and in `History`) when the results are read.
    mutating func closingMark() {
        setMark(0, marks[0], "(closing mark: everything before it committed)")
    }

    /// One random step, by weight.
    mutating func randomStep() {
        let actions: [(Double, (inout ScenarioGenerator) -> Void)] = [
            (20, { $0.randomOpen() }),
            (13, { $0.randomClose() }),
            (12, { $0.randomMarginAdjustment() }),
            (28, { $0.randomMark() }),
            (3, { g in g.deposit(trader: g.index(g.traders.count), g.uniform(2_000, 30_000)) }),
            (5, { g in g.deposit(copier: g.index(g.copiers.count), g.uniform(500, 8_000)) }),
            (5.5, { $0.randomWithdrawal() }),
            (3, { $0.randomPauseOrResume() }),
            (1.5, { $0.randomUnfollow() }),
            (1.5, { $0.randomFollow() }),
            (2, { $0.randomAutoMargin() }),
            (1, { $0.randomOrder() }),
            (1, { $0.randomInvalid() }),
        ]
        var r = uniform(0, actions.reduce(0) { $0 + $1.0 })
        for (weight, action) in actions {
            if r < weight { action(&self); return }
            r -= weight
        }
        actions[actions.count - 1].1(&self)
    }

    // MARK: Random steps

    /// A trader opens or adds. Mostly at the mark; 7% at a price the copiers' worst price
    /// excludes (`copy.unfilled`); 3% far from the mark on the losing side (the trader's own
    /// position would be liquidatable: refused `price`); 8% of the new positions in cross mode;
    /// a few on the side opposite to the open position (refused: close it first).
    mutating func randomOpen() {
        let t = index(traders.count), s = pickSymbol()
        let m = mark(s)
        var side: Copytrade_V1_Side, leverage: Int, cross: Bool
        if let p = traders[t].positions[s] {
            side = chance(0.95) ? p.side : (p.side == .long ? .short : .long)
            leverage = p.leverage
            cross = p.cross
        } else {
            side = chance(0.5) ? .long : .short
            leverage = min(pick([2, 3, 5, 5, 10, 10, 15, 20, 25]), market[s].maxLeverage)
            cross = chance(0.08)
        }
        let sign: Double = side == .long ? 1 : -1
        var fill = m, note = ""
        let roll = uniform(0, 1)
        if roll < 0.07 {
            fill = m * (1 - sign * uniform(0.008, 0.02))
            note = "(beyond the copiers' worst price)"
        } else if roll < 0.10 {
            fill = side == .long ? m * (1 + 3 / Double(leverage)) : m / (1 + 3 / Double(leverage))
            note = "(far from the mark: liquidatable)"
        }
        let price = onTick(fill, s)
        let budget = max(20, traders[t].wallet * uniform(0.005, 0.04))
        let quantity = onStep(budget * Double(leverage) / Self.value(price), s)
        if roll >= 0.07 && roll < 0.10 {
            // Refused: the model must not take it.
            var r = Copytrade_V1_OpenRequest()
            r.key = nextKey
            r.accountID = traders[t].id
            r.symbol = market[s].name
            r.side = side
            r.quantityE8 = quantity
            r.priceE8 = price
            r.leverage = Int32(leverage)
            if cross { r.marginMode = .cross }
            emit("Open", r, "\(traders[t].id) \(market[s].name) @ \(Decimal8(units: price)) \(note)")
            return
        }
        open(trader: t, s, side: side, quantity: quantity, price: price, leverage: leverage, cross: cross, note: note)
    }

    /// A trader closes all (45%) or part of a position, at the mark or at a price near it; a
    /// few closes ask for more than is open, or close what the trader does not hold, and a few
    /// are a copier closing its copy of a symbol (docs/decisions.md says a copier "closes its
    /// copies"; the engine refuses it NOT_FOUND, since `Close` acts on an own position only).
    mutating func randomClose() {
        if chance(0.02) {
            let c = index(copiers.count), s = pickSymbol()
            var r = Copytrade_V1_CloseRequest()
            r.key = nextKey
            r.accountID = copiers[c].id
            r.symbol = market[s].name
            emit("Close", r, "\(copiers[c].id) closes its \(market[s].name) copy")
            return
        }
        let holders = traders.indices.filter { !traders[$0].openSymbols.isEmpty }
        guard !holders.isEmpty, chance(0.97) else {
            close(trader: index(traders.count), pickSymbol(), quantity: 0, price: 0)
            return
        }
        let t = pick(holders)
        let s = pick(traders[t].openSymbols)
        let p = traders[t].positions[s]!
        var quantity: Int64 = 0
        if chance(0.03) {
            quantity = p.quantity + market[s].step
        } else if !chance(0.45) {
            let part = Int64((Double(p.quantity / market[s].step) * uniform(0.1, 0.7)).rounded(.down)) * market[s].step
            quantity = part > 0 && part < p.quantity ? part : 0
        }
        let price: Int64 = chance(0.65) ? 0 : onTick(mark(s) * (1 + uniform(-0.004, 0.004)), s)
        close(trader: t, s, quantity: quantity, price: price)
    }

    /// A trader adds (60%) or removes margin on an isolated position; with copies this is a
    /// margin-sync signal held in the reorder window, applied to every copy after it.
    mutating func randomMarginAdjustment() {
        let candidates = traders.indices.flatMap { t in traders[t].openSymbols.compactMap { traders[t].positions[$0]!.cross ? nil : (t, $0) } }
        guard !candidates.isEmpty else { randomMark(); return }
        let (t, s) = pick(candidates)
        let margin = traders[t].positions[s]!.margin
        let delta = chance(0.6) ? margin * uniform(0.1, 0.6) : -margin * uniform(0.05, 0.3)
        let e8 = (delta < 0 ? -1 : 1) * Self.usdt(abs(delta))
        adjustMargin(trader: t, s, delta: e8)
    }

    /// A mark move: usually within ±1.2% with a pull back towards the symbol's start; 9% of the
    /// moves are sharp (5-13%), which liquidates highly levered copies and triggers auto margin.
    mutating func randomMark() {
        let s = pickSymbol()
        let current = mark(s), start = Self.value(market[s].start)
        let sharp = chance(0.09)
        let r = sharp ? (chance(0.5) ? 1 : -1) * uniform(0.05, 0.13) : uniform(-0.012, 0.012) + 0.04 * (start - current) / start
        var price = onTick(current * (1 + r), s)
        if price == marks[s] { price += market[s].tick }
        setMark(s, price, sharp ? "(sharp)" : "")
    }

    /// A withdrawal by a copier (70%) or a trader: usually a part of the balance, 20% of the
    /// time more than the account holds (refused).
    mutating func randomWithdrawal() {
        let tooMuch = chance(0.2)
        let fraction = tooMuch ? uniform(1.5, 3) : uniform(0.02, 0.25)
        if chance(0.7) {
            let c = index(copiers.count)
            let amount = max(1, copiers[c].wallet * fraction)
            transfer("Withdraw", copiers[c].id, Self.usdt(amount))
            if !tooMuch { copiers[c].wallet -= Self.value(Self.usdt(amount)) }
        } else {
            let t = index(traders.count)
            let amount = max(1, max(0, traders[t].available) * fraction)
            transfer("Withdraw", traders[t].id, Self.usdt(amount))
            if !tooMuch, Self.value(Self.usdt(amount)) <= traders[t].available { traders[t].wallet -= Self.value(Self.usdt(amount)) }
        }
    }

    /// Pauses an active relation or resumes a paused one (half the time, when any is paused, so
    /// that paused relations do not pile up); 5% ask for the state it already has (refused).
    mutating func randomPauseOrResume() {
        guard !relations.isEmpty else { randomMark(); return }
        let paused = relations.indices.filter { relations[$0].paused }
        let i = !paused.isEmpty && chance(0.5) ? pick(paused) : index(relations.count)
        let same = chance(0.05)
        let pause = relations[i].paused == same
        relationCall(pause ? "Pause" : "Resume", relations[i])
        if !same { relations[i].paused = pause }
    }

    /// Ends a relation; its open copies stay open and keep following closes.
    mutating func randomUnfollow() {
        guard !relations.isEmpty else { randomMark(); return }
        let i = index(relations.count)
        relationCall("Unfollow", relations[i])
        relations.remove(at: i)
    }

    /// A copier follows a trader it does not follow yet (5%: one it already follows, refused).
    mutating func randomFollow() {
        let c = index(copiers.count)
        let followed = relations.filter { $0.copier == c }.map(\.trader)
        let free = traders.indices.filter { !followed.contains($0) }
        if free.isEmpty || (chance(0.05) && !followed.isEmpty) {
            follow(copier: c, trader: followed.isEmpty ? 0 : pick(followed))
        } else {
            follow(copier: c, trader: pick(free))
        }
    }

    /// Auto margin switched on or off: by a trader on an own isolated position (60%), or by a
    /// copier on its copy of a symbol (refused when it holds none, or several).
    mutating func randomAutoMargin() {
        let candidates = traders.indices.flatMap { t in traders[t].openSymbols.compactMap { traders[t].positions[$0]!.cross ? nil : (t, $0) } }
        if !candidates.isEmpty, chance(0.6) {
            let (t, s) = pick(candidates)
            let enabled = !traders[t].positions[s]!.autoMargin || chance(0.3)
            setAutoMargin(traders[t].id, s, enabled: enabled, amount: Self.usdt(uniform(100, 2_000)))
            traders[t].positions[s]!.autoMargin = enabled
        } else {
            let c = index(copiers.count)
            setAutoMargin(copiers[c].id, pickSymbol(), enabled: chance(0.8), amount: Self.usdt(uniform(25, 500)))
        }
    }

    /// A resting limit order 1-3% away from the mark; it holds margin until auto margin cancels
    /// it (orders are never matched).
    mutating func randomOrder() {
        let t = index(traders.count), s = pickSymbol()
        let side: Copytrade_V1_Side = chance(0.5) ? .long : .short
        let price = onTick(mark(s) * (1 + (side == .long ? -1 : 1) * uniform(0.01, 0.03)), s)
        let leverage = min(pick([5, 10, 20]), market[s].maxLeverage)
        let quantity = onStep(max(10, traders[t].wallet * uniform(0.002, 0.01)) * Double(leverage) / Self.value(price), s)
        var r = Copytrade_V1_PlaceOrderRequest()
        r.key = nextKey
        r.accountID = traders[t].id
        r.symbol = market[s].name
        r.side = side
        r.quantityE8 = quantity
        r.priceE8 = price
        r.leverage = Int32(leverage)
        emit("PlaceOrder", r, "\(traders[t].id) \(market[s].name) \(Decimal8(units: quantity)) @ \(Decimal8(units: price))")
        let held = Self.value(quantity) * Self.value(price) * (1 / Double(leverage) + 0.0005)
        if held <= traders[t].available { traders[t].held += held }
    }

    /// An input the coordinator must refuse, whatever the state: each kind names a different
    /// field or rule.
    mutating func randomInvalid() {
        switch index(6) {
        case 0:
            let c = index(copiers.count)
            var r = Copytrade_V1_OpenRequest()
            r.key = nextKey
            r.accountID = copiers[c].id
            r.symbol = "BTCUSDT"
            r.side = .long
            r.quantityE8 = 10_000
            r.priceE8 = marks[0]
            r.leverage = 10
            emit("Open", r, "\(copiers[c].id) opens (a copier only copies)")
        case 1:
            transfer("Deposit", "X999", 100 * EquivalenceScenario.e8)
        case 2:
            let t = index(traders.count)
            var r = Copytrade_V1_OpenRequest()
            r.key = nextKey
            r.accountID = traders[t].id
            r.symbol = "BTCUSDT"
            r.side = .short
            r.quantityE8 = 10_000
            r.priceE8 = marks[0] + 1
            r.leverage = 10
            emit("Open", r, "\(traders[t].id) opens off the tick")
        case 3:
            let c = index(copiers.count), t = index(traders.count)
            var r = Copytrade_V1_FollowRequest()
            r.key = nextKey
            r.copierID = copiers[c].id
            r.traderID = traders[t].id
            r.mode = .proportional
            r.multiplierE8 = 20 * EquivalenceScenario.e8
            r.leverage = 10
            emit("Follow", r, "\(copiers[c].id) follows \(traders[t].id) at x20 (beyond the bounds)")
        case 4:
            var r = Copytrade_V1_SetMarkPriceRequest()
            r.key = nextKey
            r.symbol = "ETHUSDT"
            r.priceE8 = marks[1] + 1
            emit("SetMark", r, "ETHUSDT off the tick")
        default:
            let t = index(traders.count)
            var r = Copytrade_V1_OpenRequest()
            r.key = nextKey
            r.accountID = traders[t].id
            r.symbol = "SOLUSDT"
            r.side = .long
            r.quantityE8 = 1_000_000
            r.priceE8 = marks[2]
            r.leverage = 100
            emit("Open", r, "\(traders[t].id) opens SOLUSDT at 100x (above its maximum)")
        }
    }
}

// MARK: - Where it runs

/// Where the scenario runs: a way to call a control method (`copytrade.v1.Control`, request
/// and response as serialized protobuf) and a barrier. One `copytraded` on SQLite is
/// ``daemon(_:heldSignalPoll:timeout:)``; a cluster supplies its own (a member's client, and a
/// barrier over every shard).
struct EquivalenceTarget: Sendable {
    /// Calls `method` with a serialized request and returns the serialized response; a
    /// refusal or a transport failure throws ``TTRPCError``.
    var call: @Sendable (_ method: String, _ request: Data) async throws -> Data
    /// Returns once every effect of the inputs answered so far is applied and readable
    /// (`GetAccount`, `ListPositions`, `History`): held margin-sync signals released, and, in a
    /// cluster, every message between shards delivered and applied. Throws when that does not
    /// happen in time.
    var barrier: @Sendable () async throws -> Void
    /// How the accounts' histories are read (``HistoryReading``).
    var historyReading: HistoryReading = .perAccount

    /// How ``AccountResults/collect(_:on:historyPage:)`` reads each account's history.
    enum HistoryReading: Sendable {
        /// `History` with `account_id` set, paged with `after_sequence`: works wherever an
        /// account's events are numbered in one sequence (its shard's), as in a cluster. On one
        /// journal each such read scans the journal from its start, so 200 accounts cost 200
        /// passes (about 60 s on two cores after 2,000 steps, growing with the journal).
        case perAccount
        /// `History` for every account, paged with `after_sequence`, split by account: the same
        /// lists (the coordinator filters a read by account in journal order), in one pass over
        /// the journal; only where every event is numbered in one sequence (one process).
        case oneStream
        /// Each shard's events in one paged read of its own (`History` for every account,
        /// marked for one shard: its events are numbered in one sequence), split by account.
        case perShard(count: Int, read: @Sendable (_ shard: Int, _ request: Data) async throws -> Data)

        var isOneStream: Bool { if case .oneStream = self { true } else { false } }
    }

    /// A typed call.
    func call<Response: SwiftProtobuf.Message>(_ method: String, _ request: some SwiftProtobuf.Message,
                                               as _: Response.Type = Response.self) async throws -> Response {
        try Response(serializedBytes: try await call(method, try request.serializedBytes()))
    }

    /// One `copytraded` process: calls over `client`; the barrier waits until `Status` reports no
    /// held signal (a trader's margin adjustment waits in the reorder window, then its release is
    /// a journaled input of its own). Every other effect of an input is applied before the input
    /// is answered. A release applied after the last answered input may still be committing when
    /// the barrier returns: the scenario ends with an accepted input for that reason
    /// (``EquivalenceScenario`` `closingMark`).
    static func daemon(_ client: TTRPCClient, heldSignalPoll: Duration = .milliseconds(1),
                       timeout: Duration = .seconds(30)) -> EquivalenceTarget {
        let call: @Sendable (String, Data) async throws -> Data = { method, request in
            try await client.rawCall(service: "copytrade.v1.Control", method: method, payload: request, timeout: .seconds(120))
        }
        return EquivalenceTarget(call: call, barrier: {
            let deadline = ContinuousClock.now + timeout
            while true {
                let status = try Copytrade_V1_StatusResponse(serializedBytes: try await call("Status", Data()))
                if status.heldSignals == 0 { return }
                guard ContinuousClock.now < deadline else {
                    throw EquivalenceFailure.barrier("\(status.heldSignals) margin signals still held after \(timeout)")
                }
                try await Task.sleep(for: heldSignalPoll)
            }
        }, historyReading: .oneStream)
    }
}

/// A run that cannot go on: not a refusal of an input, but a failure of the coordinator or of
/// the way to it.
enum EquivalenceFailure: Error, CustomStringConvertible {
    case transport(step: String, TTRPCError)
    case barrier(String)

    var description: String {
        switch self {
        case .transport(let step, let error): "\(step): \(error) (not a refusal: the run stops)"
        case .barrier(let what): "barrier: \(what)"
        }
    }
}

// MARK: - The driver

/// What one step came to: accepted, or refused with a status code. Only that is compared: the
/// refusal's message may name ids (relation, position), which differ between deployments, and
/// the events in an answer are only those of the account's own shard in a cluster.
struct StepOutcome: Equatable, Sendable, CustomStringConvertible {
    /// nil: accepted; else the refusal's status code (`FAILED_PRECONDITION`, ...).
    var refusal: String?
    /// The refusal's message, for reports; not compared.
    var message = ""
    /// The kinds of the events in the answer, for reports; not compared.
    var answerKinds: [String] = []

    static func == (a: StepOutcome, b: StepOutcome) -> Bool { a.refusal == b.refusal }

    var description: String { refusal.map { "refused \($0): \(message)" } ?? "accepted \(answerKinds)" }
}

enum EquivalenceDriver {
    /// Status codes that refuse an input (a domain rule, nothing applied): recorded, and the run
    /// goes on. Any other (UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, a lost
    /// connection...) means the coordinator or the way to it failed, and the run stops.
    static let refusalCodes: Set<StatusCode> = [.invalidArgument, .notFound, .alreadyExists, .failedPrecondition, .outOfRange]

    /// Applies `steps` strictly one at a time, with the barrier after each, and returns each
    /// step's outcome. With `COPYTRADE_EQUIVALENCE_PROGRESS` set in the environment it prints
    /// the time taken every 500 steps (a slow target shows where it slows).
    static func run(_ steps: [EquivalenceScenario.Step],
                    call: (_ method: String, _ request: Data) async throws -> Data,
                    barrier: () async throws -> Void) async throws -> [StepOutcome] {
        var outcomes: [StepOutcome] = []
        outcomes.reserveCapacity(steps.count)
        let progress = ProcessInfo.processInfo.environment["COPYTRADE_EQUIVALENCE_PROGRESS"] != nil
        let started = ContinuousClock.now
        for step in steps {
            if progress, step.number % 500 == 0 { print("equivalence: \(step.number) steps after \(ContinuousClock.now - started)") }
            do {
                let answer = try Copytrade_V1_InputResult(serializedBytes: try await call(step.method, try step.request.serializedBytes()))
                outcomes.append(StepOutcome(refusal: nil, answerKinds: answer.events.map(\.kind)))
            } catch let error as TTRPCError {
                guard refusalCodes.contains(error.code) else { throw EquivalenceFailure.transport(step: step.description, error) }
                outcomes.append(StepOutcome(refusal: error.code.description, message: error.message))
            }
            try await barrier()
        }
        return outcomes
    }

    static func run(_ steps: [EquivalenceScenario.Step], on target: EquivalenceTarget) async throws -> [StepOutcome] {
        try await run(steps, call: target.call, barrier: target.barrier)
    }

    /// The first step whose outcome differs, named with both outcomes; nil when all agree.
    static func firstDifference(_ steps: [EquivalenceScenario.Step], _ a: [StepOutcome], _ b: [StepOutcome]) -> String? {
        guard a.count == b.count else { return "\(a.count) outcomes against \(b.count)" }
        guard let i = a.indices.first(where: { a[$0] != b[$0] }) else { return nil }
        return "\(steps[i]): \(a[i]) against \(b[i])"
    }
}

/// One run of the scenario on a target: every step's outcome, then every account's result.
/// A cluster run is compared with a one-process run through these two fields.
struct EquivalenceRun: Sendable {
    var outcomes: [StepOutcome]
    var results: [String: AccountResult]
    var stepsTook: Duration
    var collectTook: Duration

    static func run(_ steps: [EquivalenceScenario.Step], accounts: [String], on target: EquivalenceTarget) async throws -> EquivalenceRun {
        let clock = ContinuousClock()
        let started = clock.now
        let outcomes = try await EquivalenceDriver.run(steps, on: target)
        let ran = clock.now
        let results = try await AccountResults.collect(accounts, on: target)
        return EquivalenceRun(outcomes: outcomes, results: results, stepsTook: ran - started, collectTook: clock.now - ran)
    }
}

// MARK: - The per-account result

/// A position as compared: everything but its id and times (ids are numbered differently in a
/// cluster, `n * shards + shard`).
struct PositionSummary: Equatable, Comparable, Sendable, CustomStringConvertible {
    var symbol: String
    var side: String
    var quantityE8: Int64
    var entryE8: Int64
    var marginE8: Int64
    var marginMode: String
    var leverage: Int32
    var isCopy: Bool
    /// 0: auto margin off.
    var autoMarginE8: Int64

    init(_ p: Copytrade_V1_Position) {
        symbol = p.state.symbol
        side = p.state.side == .long ? "long" : p.state.side == .short ? "short" : "\(p.state.side)"
        quantityE8 = p.state.quantityE8
        entryE8 = p.state.entryPriceE8
        marginE8 = p.state.marginE8
        marginMode = p.state.marginMode == .cross ? "cross" : "isolated"
        leverage = p.state.leverage
        isCopy = !p.copiedFromPositionID.isEmpty
        autoMarginE8 = p.autoMargin ? p.autoMarginAmountE8 : 0
    }

    private var order: [String] {
        [symbol, isCopy ? "1" : "0", side, marginMode] + [quantityE8, entryE8, marginE8, Int64(leverage), autoMarginE8].map { String(format: "%020lld", $0) }
    }

    static func < (a: PositionSummary, b: PositionSummary) -> Bool { a.order.lexicographicallyPrecedes(b.order) }

    var description: String {
        "\(isCopy ? "copy " : "")\(side) \(Decimal8(units: quantityE8)) \(symbol) @ \(Decimal8(units: entryE8)) margin \(Decimal8(units: marginE8)) \(marginMode) \(leverage)x"
            + (autoMarginE8 > 0 ? " auto \(Decimal8(units: autoMarginE8))" : "")
    }
}

/// An event as compared: its kind and figures, without its sequence, time, position id or
/// detail text (which names ids).
struct EventSummary: Equatable, Sendable, CustomStringConvertible {
    var kind: String
    var symbol: String
    var amountE8: Int64
    var priceE8: Int64
    var quantityE8: Int64
    var reason: String

    init(_ e: Copytrade_V1_Event) {
        kind = e.kind
        symbol = e.symbol
        amountE8 = e.amountE8
        priceE8 = e.priceE8
        quantityE8 = e.quantityE8
        reason = e.reason
    }

    var description: String {
        [kind, symbol, reason].filter { !$0.isEmpty }.joined(separator: " ")
            + " amount \(Decimal8(units: amountE8)) price \(Decimal8(units: priceE8)) qty \(Decimal8(units: quantityE8))"
    }
}

/// One account at the end of a run, as compared between deployments.
struct AccountResult: Equatable, Sendable {
    var walletE8: Int64
    var availableE8: Int64
    var realizedPnlE8: Int64
    var feesE8: Int64
    var depositsE8: Int64
    var withdrawalsE8: Int64
    var orderMarginE8: Int64
    /// Open positions, sorted (their ids play no part).
    var positions: [PositionSummary]
    /// The account's history in order.
    var events: [EventSummary]

    var eventKinds: [String] { events.map(\.kind) }

    /// SPEC §7: `deposits - withdrawals + realized PnL - fees = wallet`.
    var identityHolds: Bool { depositsE8 - withdrawalsE8 + realizedPnlE8 - feesE8 == walletE8 }

    /// The first field that differs from `other`, with both values; nil when equal.
    func firstDifference(from other: AccountResult) -> String? {
        let amounts: [(String, Int64, Int64)] = [
            ("wallet", walletE8, other.walletE8), ("available", availableE8, other.availableE8),
            ("realizedPnl", realizedPnlE8, other.realizedPnlE8), ("fees", feesE8, other.feesE8),
            ("deposits", depositsE8, other.depositsE8), ("withdrawals", withdrawalsE8, other.withdrawalsE8),
            ("orderMargin", orderMarginE8, other.orderMarginE8),
        ]
        for (name, a, b) in amounts where a != b { return "\(name): \(Decimal8(units: a)) against \(Decimal8(units: b))" }
        if let d = Self.firstDifference("positions", positions, other.positions) { return d }
        return Self.firstDifference("events", events, other.events)
    }

    private static func firstDifference<T: Equatable & CustomStringConvertible>(_ name: String, _ a: [T], _ b: [T]) -> String? {
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i].description : "none"
            let y = i < b.count ? b[i].description : "none"
            if i >= a.count || i >= b.count || a[i] != b[i] {
                return "\(name)[\(i)] (of \(a.count) against \(b.count)): \(x) against \(y)"
            }
        }
        return nil
    }
}

enum AccountResults {
    /// Every account's result, read through the target's control calls: `GetAccount` for the
    /// balances, `ListPositions` with the account for its positions, and `History` with the
    /// account, paged with `after_sequence` until a page comes back empty.
    /// With ``EquivalenceTarget/HistoryReading/oneStream`` the histories come from one paged
    /// read of every account's events instead, split by account.
    static func collect(_ accounts: [String], on target: EquivalenceTarget, historyPage: UInt32 = 1_000) async throws -> [String: AccountResult] {
        var histories: [String: [EventSummary]]? = nil
        switch target.historyReading {
        case .oneStream:
            var split: [String: [EventSummary]] = [:]
            for e in try await history("", on: target, page: historyPage) { split[e.accountID, default: []].append(EventSummary(e)) }
            histories = split
        case .perShard(let count, let read):
            var split: [String: [EventSummary]] = [:]
            for shard in 0..<count {
                let one = EquivalenceTarget(call: { _, request in try await read(shard, request) }, barrier: {})
                for e in try await history("", on: one, page: historyPage) { split[e.accountID, default: []].append(EventSummary(e)) }
            }
            histories = split
        case .perAccount:
            break
        }
        var out: [String: AccountResult] = [:]
        for id in accounts {
            let events: [EventSummary]
            if let histories {
                events = histories[id] ?? []
            } else {
                events = try await history(id, on: target, page: historyPage).map(EventSummary.init)
            }
            out[id] = try await collect(id, events: events, on: target)
        }
        return out
    }

    /// `History` of one account (or of all, `""`), paged with `after_sequence` until a page
    /// comes back empty.
    static func history(_ account: String, on target: EquivalenceTarget, page: UInt32 = 1_000) async throws -> [Copytrade_V1_Event] {
        var events: [Copytrade_V1_Event] = []
        var request = Copytrade_V1_HistoryRequest()
        request.accountID = account
        request.limit = page
        while true {
            let answer: Copytrade_V1_HistoryResponse = try await target.call("History", request)
            guard let last = answer.events.last else { return events }
            events += answer.events
            request.afterSequence = last.sequence
        }
    }

    /// One account's result, its history read already.
    static func collect(_ id: String, events: [EventSummary], on target: EquivalenceTarget) async throws -> AccountResult {
        var get = Copytrade_V1_GetAccountRequest()
        get.accountID = id
        let view: Copytrade_V1_AccountView = try await target.call("GetAccount", get)
        var list = Copytrade_V1_ListPositionsRequest()
        list.accountID = id
        let positions: Copytrade_V1_ListPositionsResponse = try await target.call("ListPositions", list)
        let a = view.account
        return AccountResult(walletE8: a.walletBalanceE8, availableE8: a.availableE8, realizedPnlE8: a.realizedPnlE8, feesE8: a.feesE8,
                             depositsE8: a.depositsE8, withdrawalsE8: a.withdrawalsE8, orderMarginE8: view.orderMarginE8,
                             positions: positions.positions.map(PositionSummary.init).sorted(), events: events)
    }

    /// The first account (in `accounts` order) whose results differ, naming the field; nil
    /// when every account agrees.
    static func firstDifference(_ accounts: [String], _ a: [String: AccountResult], _ b: [String: AccountResult]) -> String? {
        for id in accounts {
            switch (a[id], b[id]) {
            case (nil, nil): continue
            case (nil, _), (_, nil): return "\(id): present in one result only"
            case (let x?, let y?): if let d = x.firstDifference(from: y) { return "\(id) \(d)" }
            }
        }
        return nil
    }

    /// Accounts breaking SPEC §7's identity, with their figures.
    static func identityViolations(_ results: [String: AccountResult]) -> [String] {
        results.keys.sorted().compactMap { id in
            guard let r = results[id], !r.identityHolds else { return nil }
            return "\(id): deposits \(Decimal8(units: r.depositsE8)) - withdrawals \(Decimal8(units: r.withdrawalsE8)) + realizedPnl \(Decimal8(units: r.realizedPnlE8)) - fees \(Decimal8(units: r.feesE8)) != wallet \(Decimal8(units: r.walletE8))"
        }
    }

    /// How many events of each kind all accounts hold together.
    static func eventCounts(_ results: [String: AccountResult]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for r in results.values { for e in r.events { counts[e.kind, default: 0] += 1 } }
        return counts
    }
}
