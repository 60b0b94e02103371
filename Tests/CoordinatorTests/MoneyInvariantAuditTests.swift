import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

/// A randomized audit of the money rules (SPEC §3, §7; docs/decisions.md "Cross margin"):
/// random trading, marks, transfers, margin changes and copies over mixed isolated and cross
/// accounts, with every rule checked after every step.
@Suite("Money invariants, randomized")
struct MoneyInvariantAuditTests {
    static let symbols: [(name: String, price: Int64, tick: Int64, step: String)] = [
        ("BTCUSDT", 20_000, 10_000_000, "0.001"), ("ETHUSDT", 1_500, 1_000_000, "0.01"), ("SOLUSDT", 100, 1_000_000, "0.1"),
    ]

    @Test("after every step: identities hold, cross accounts are never left liquidatable, isolated money stays backed, spending never exceeds available, auto margin adds before it liquidates",
          arguments: [1, 2, 3, 4, 5] as [UInt64])
    func audit(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed)
        var h = EngineHarness()
        let traders = ["T1", "T2"], copiers = ["C1", "C2", "C3", "C4"]
        for t in traders { try await h.account(t, trader: true, deposit: "20000") }
        for (i, c) in copiers.enumerated() {
            try await h.account(c, trader: false, deposit: i % 2 == 0 ? "3000" : "800")
            try await h.follow(c, traders[i % 2], multiplier: i < 2 ? "1" : "0.5", cross: i % 2 == 1,
                               autoMargin: i % 2 == 0 ? "\(50 + i * 100)" : nil)
        }
        var marks: [String: Int64] = [:]
        for s in Self.symbols {
            marks[s.name] = s.price * EngineHarness.e8
            try await h.mark(s.name, "\(s.price)")
        }
        var accepted = 0
        var seen: [String: Int] = [:]
        for step in 0..<600 {
            let before = h.state
            let beforeBalances = try Dictionary(uniqueKeysWithValues: before.accounts.keys.map { ($0, try h.balances($0)) })
            let sym = Self.symbols[Int(rng.next() % 3)]
            let who = (traders + copiers)[Int(rng.next() % 6)]
            let trader = traders[Int(rng.next() % 2)]
            var kind = ""
            do {
                switch rng.next() % 10 {
                case 0, 1, 2:
                    kind = "mark"
                    // -9% .. +8%, on the tick; sometimes a gap of 30%.
                    let pct = rng.next() % 10 == 0 ? -30 : Int64(rng.next() % 18) - 9
                    var p = marks[sym.name]! * (100 + pct) / 100
                    p -= p % sym.tick
                    guard p > 0 else { continue }
                    marks[sym.name] = p
                    try await h.run { $0.setMark.symbol = sym.name; $0.setMark.priceE8 = p }
                case 3, 4:
                    kind = "open"
                    let own = h.state.positions.values.first { $0.account == trader && $0.symbol == sym.name && $0.copiedFrom == nil }
                    let long = own.map { $0.side == .long } ?? (rng.next() % 2 == 0)
                    let cross = own.map { $0.mode == .cross } ?? (rng.next() % 3 == 0)
                    let steps = Int64(1 + rng.next() % 40)
                    let qty = try Decimal8(parsing: sym.step).multiplied(by: Decimal8(Int(steps)), rounding: .down)
                    let price = marks[sym.name]!
                    try await h.run {
                        $0.open.accountID = trader
                        $0.open.symbol = sym.name
                        $0.open.side = long ? .long : .short
                        $0.open.quantityE8 = qty.e8
                        $0.open.priceE8 = price
                        $0.open.leverage = Int32(2 + rng.next() % 40)
                        $0.open.marginMode = cross ? .cross : .isolated
                    }
                case 5:
                    kind = "close"
                    try await h.close(trader, sym.name)
                case 6:
                    kind = "withdraw"
                    let avail = beforeBalances[who]!.available
                    guard avail.isPositive else { continue }
                    let amount = Decimal8(units: max(1, avail.units / 100 * Int64(rng.next() % 120)))
                    try await h.withdraw(who, "\(amount)")
                case 7:
                    kind = "deposit"
                    try await h.run { $0.deposit.accountID = who; $0.deposit.amountE8 = Int64(1 + rng.next() % 500) * EngineHarness.e8 }
                case 8:
                    kind = "margin"
                    let delta = (Int64(rng.next() % 300) - 150) * EngineHarness.e8
                    guard delta != 0 else { continue }
                    try await h.run {
                        $0.adjustMargin.accountID = trader
                        $0.adjustMargin.symbol = sym.name
                        $0.adjustMargin.deltaE8 = delta
                    }
                    if !h.state.heldSignals.isEmpty {
                        let ids = Array(h.state.heldSignals.keys).sorted()
                        try await h.run { $0.syncRelease.signalIds = ids }
                    }
                default:
                    kind = "automargin"
                    guard let p = h.state.positions.values.sorted(by: { $0.id < $1.id })
                        .first(where: { $0.mode == .isolated && $0.autoMargin == nil }) else { continue }
                    try await h.run {
                        $0.setAutoMargin.accountID = p.account
                        $0.setAutoMargin.positionID = p.id
                        $0.setAutoMargin.enabled = true
                        $0.setAutoMargin.amountE8 = Int64(1 + rng.next() % 400) * EngineHarness.e8
                    }
                }
            } catch let e as DomainError {
                #expect(e.code != .internal, "seed \(seed) step \(step) \(kind): \(e)")
                #expect(h.state.accounts == before.accounts, "a refused input changed an account")
                continue
            }
            accepted += 1
            for e in h.lastChanges.events { seen[e.kind + (e.reason.isEmpty ? "" : "/" + e.reason), default: 0] += 1 }
            try await Self.check(h, before: before, beforeBalances: beforeBalances, kind: kind, context: "seed \(seed) step \(step) \(kind)")
        }
        #expect(accepted > 300, "only \(accepted) of 600 steps were accepted")
        // The run reached the paths under audit, not only the easy ones.
        for kind in ["copy.opened", "copy.closed", "withdrawal", "liquidated/risk_rate", "automargin.added", "sync.applied"] {
            #expect(seen[kind, default: 0] > 0, "seed \(seed): no \(kind) in \(seen.sorted { $0.key < $1.key })")
        }
    }

    /// Every rule that must hold after an accepted input.
    static func check(_ h: EngineHarness, before: EngineState, beforeBalances: [String: AccountBalances],
                      kind: String, context: String) async throws {
        for (id, a) in h.state.accounts.sorted(by: { $0.key < $1.key }) {
            #expect(a.identityHolds, "\(context): identity broken for \(id): \(a)")
            let b = try h.balances(id)
            if let e = try await h.crossEvaluation(id) {
                #expect(!e.liquidatable, "\(context): \(id) left with liquidatable cross positions: \(e)")
            } else {
                #expect(try !b.crossWallet.isNegative, "\(context): \(id)'s isolated margins and orders \(b) exceed its wallet")
            }
            if ["withdraw", "open", "margin"].contains(kind), let was = beforeBalances[id], b.available < was.available,
               b.available.isNegative {
                Issue.record("\(context): \(id) spent into a negative available \(b.available) (was \(was.available))")
            }
        }
        // Auto margin adds before it liquidates (SPEC §3): a position with auto margin on whose
        // account had money to spend is never liquidated by a mark without an addition first.
        guard kind == "mark" else { return }
        let events = h.lastChanges.events
        for e in events where e.kind == "liquidated" && e.reason == "risk_rate" {
            // Only where nothing else in this input could have used the money first: another
            // of the account's positions, or its cross positions moving with the same mark.
            guard let p = before.positions[e.positionID], p.autoMargin != nil,
                  let was = beforeBalances[p.account], was.spendable.isPositive, was.crossPositions == 0,
                  !events.contains(where: { $0.accountID == p.account && $0.positionID != p.id && !$0.positionID.isEmpty })
            else { continue }
            #expect(events.contains { $0.kind == "automargin.added" && $0.positionID == p.id },
                    "\(context): \(p.id) liquidated with auto margin on and \(was.spendable) available, without an addition")
        }
    }
}
