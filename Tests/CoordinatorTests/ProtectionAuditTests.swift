import CopyTradeCore
import CopyTradeProto
import Pricing
import Testing
@testable import Coordinator

/// A randomized audit of copier protections and profit sharing (docs/protections.md) on top of
/// the money rules: random trading, gapping marks, settings changed while following, stops,
/// unfollows with every close policy, settlements, with every rule checked after every step.
@Suite("Protections and profit sharing, randomized")
struct ProtectionAuditTests {
    @Test("after every step: no open copy sits past a trigger, no following relation past its stop, shares only grow and balance out, identities hold",
          arguments: [7, 9, 10, 11, 12] as [UInt64])
    func audit(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed)
        var h = EngineHarness()
        let traders = ["T1", "T2"], copiers = ["C1", "C2", "C3", "C4", "C5", "C6"]
        for t in traders { try await h.account(t, trader: true, deposit: "50000") }
        try await h.shareRatio("T1", "0.1")
        try await h.shareRatio("T2", "0.25")
        for c in copiers { try await h.account(c, trader: false, deposit: "4000") }
        func follow(_ c: String, _ t: String) async throws {
            let i = Int(rng.next() % 6)
            try await h.follow(c, t, multiplier: ["0.2", "0.5", "1"][i % 3]) {
                if i % 2 == 0 { $0.hasTpRatio_p = true; $0.tpRatioE8 = Int64(10 + i * 7) * 1_000_000; $0.hasSlRatio_p = true; $0.slRatioE8 = Int64(5 + i * 3) * 1_000_000 }
                if i % 3 != 2 { $0.hasStopLossAmount_p = true; $0.stopLossAmountE8 = Int64(20 + i * 15) * EngineHarness.e8 }
                $0.closePolicy = [.follow, .market, .detach][i % 3]
                $0.marginMode = i == 5 ? .cross : .isolated
            }
        }
        for (i, c) in copiers.enumerated() { try await follow(c, traders[i % 2]) }
        var mark: Int64 = 20_000 * EngineHarness.e8
        try await h.mark("BTCUSDT", "20000")
        var seen: [String: Int] = [:]
        for step in 0..<500 {
            let before = h.state
            let beforeBalances = try Dictionary(uniqueKeysWithValues: before.accounts.keys.map { ($0, try h.balances($0)) })
            let trader = traders[Int(rng.next() % 2)], copier = copiers[Int(rng.next() % UInt64(copiers.count))]
            var kind = ""
            do {
                switch rng.next() % 12 {
                case 0, 1, 2, 3:
                    kind = "mark"
                    let pct = rng.next() % 12 == 0 ? -20 : Int64(rng.next() % 9) - 4
                    var p = mark * (100 + pct) / 100
                    p -= p % 10_000_000
                    mark = max(10_000_000, p)
                    try await h.run { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = mark }
                case 4, 5:
                    kind = "open"
                    let own = h.state.positions.values.sorted(by: { $0.id < $1.id }).first { $0.account == trader && $0.copiedFrom == nil && $0.relationID == nil && $0.symbol == "BTCUSDT" }
                    try await h.run {
                        $0.open.accountID = trader; $0.open.symbol = "BTCUSDT"
                        $0.open.side = (own?.side ?? (rng.next() % 2 == 0 ? .long : .short)) == .long ? .long : .short
                        $0.open.quantityE8 = Int64(1 + rng.next() % 5) * 10_000_000; $0.open.priceE8 = mark; $0.open.leverage = 10
                    }
                case 6:
                    kind = "close"
                    try await h.close(trader, "BTCUSDT")
                case 7:
                    kind = "settle"
                    try await h.settle(trader: rng.next() % 2 == 0 ? "" : trader)
                case 8:
                    kind = "unfollow"
                    let policy: Copytrade_V1_ClosePolicy = [.follow, .market, .detach][Int(rng.next() % 3)]
                    let t = h.state.relations.values.sorted(by: { $0.id < $1.id }).first { $0.copier == copier && $0.status != .ended }?.trader ?? trader
                    try await h.run { $0.unfollow.copierID = copier; $0.unfollow.traderID = t; $0.unfollow.closePolicy = policy }
                case 9:
                    kind = "follow"
                    try await follow(copier, trader)
                case 10:
                    kind = "relation set"
                    guard let rel = h.state.relations.values.sorted(by: { $0.id < $1.id }).first(where: { $0.copier == copier && $0.status != .ended }) else { continue }
                    try await h.run {
                        $0.setRelation.copierID = copier; $0.setRelation.traderID = rel.trader
                        if rng.next() % 2 == 0 {
                            $0.setRelation.settings.tpRatioE8 = Int64(1 + rng.next() % 50) * 1_000_000
                            $0.setRelation.settings.slRatioE8 = Int64(1 + rng.next() % 30) * 1_000_000
                            $0.setRelation.fields = ["tpRatio", "slRatio"]
                        } else {
                            $0.setRelation.clear = ["tpRatio", "stopLossAmount"]
                        }
                    }
                default:
                    kind = "copier close"
                    // A copier closes a detached (own) position.
                    try await h.close(copier, "BTCUSDT")
                }
            } catch let e as DomainError {
                #expect(e.code != .internal, "seed \(seed) step \(step) \(kind): \(e)")
                #expect(h.state.accounts == before.accounts && h.state.relations == before.relations, "a refused \(kind) changed state")
                continue
            }
            for e in h.lastChanges.events { seen[e.kind, default: 0] += 1 }
            let context = "seed \(seed) step \(step) \(kind)"
            try await MoneyInvariantAuditTests.check(h, before: before, beforeBalances: beforeBalances, kind: kind, context: context)
            try check(h, before: before, context: context)
        }
        for kind in ["copy.take_profit", "copy.stop_loss", "relation.stopped", "profit_share.paid", "copy.detached", "liquidated"] {
            #expect(seen[kind, default: 0] > 0, "seed \(seed): no \(kind) in \(seen.sorted { $0.key < $1.key })")
        }
    }

    func check(_ h: EngineHarness, before: EngineState, context: String) throws {
        let s = h.state
        let tx = EngineTransaction(base: s, inputKey: "", nowMs: h.clockMs)
        // What was paid was received, in one process. (Lookups above go in id order: the walk
        // must not depend on a dictionary's order, which differs between processes.)
        var paid = Decimal8.zero, received = Decimal8.zero
        for a in s.accounts.values { paid = try paid + a.profitSharePaid; received = try received + a.profitShareReceived }
        #expect(paid == received, "\(context): paid \(paid), received \(received)")
        for p in s.positions.values {
            guard let mark = s.marks[p.symbol]?.price else { continue }
            // The index missed nothing: no open copy's trigger is reached by the current mark.
            #expect(!p.triggers.takesProfit(side: p.side, at: mark) && !p.triggers.stopsLoss(side: p.side, at: mark),
                    "\(context): \(p.id) open past its trigger at \(mark): \(p.triggers)")
            // Triggers are the formula's for its relation's ratios.
            let rel = p.relationID.flatMap { s.relations[$0] }
            let expected = try rel.map {
                try CopyTriggers.of(side: p.side, entry: p.entry, leverage: p.leverage, takeProfitRatio: $0.takeProfitRatio,
                                    stopLossRatio: $0.stopLossRatio, tick: try Market.builtIn.spec(for: p.symbol).tickSize)
            } ?? CopyTriggers()
            #expect(p.triggers == expected, "\(context): \(p.id) triggers \(p.triggers), expected \(expected)")
        }
        for rel in s.relations.values {
            // A following relation never sits at or past its stop.
            if rel.isFollowing, let amount = rel.stopLossAmount {
                let net = try h.engine.netResult(rel, tx)
                #expect(net > (try -amount), "\(context): \(rel.id) following with net \(net) past its stop \(amount)")
            }
            // The high-water mark only grows; an ended relation has copies left.
            if let was = before.relations[rel.id] { #expect(rel.shared >= was.shared, "\(context): \(rel.id) shared went down") }
            if rel.status == .ended { #expect(!tx.copies(ofRelation: rel).isEmpty, "\(context): \(rel.id) ended with no copies") }
        }
    }
}
