import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

extension EngineHarness {
    /// A follow with multiplier and leverage 10, plus whatever `configure` sets.
    mutating func follow(_ copier: String, _ trader: String, multiplier: String,
                         _ configure: (inout Copytrade_V1_FollowRequest) -> Void) async throws {
        try await run {
            $0.follow.copierID = copier
            $0.follow.traderID = trader
            $0.follow.mode = .proportional
            $0.follow.multiplierE8 = Self.e8(multiplier)
            $0.follow.leverage = 10
            configure(&$0.follow)
        }
    }

    @discardableResult
    mutating func settle(trader: String = "") async throws -> StateChanges {
        try await run { $0.settle.traderID = trader }
    }

    mutating func shareRatio(_ trader: String, _ ratio: String) async throws {
        try await run {
            $0.setAccount.accountID = trader
            $0.setAccount.hasProfitShareRatio_p = true
            $0.setAccount.profitShareRatioE8 = Self.e8(ratio)
        }
    }

    func copy(of account: String) -> PositionRecord? { state.positions.values.first { $0.account == account } }
    func relation(_ copier: String) -> RelationRecord? { state.relations.values.first { $0.copier == copier } }
    func events(_ kind: EventKind) -> [Copytrade_V1_Event] { lastChanges.events.filter { $0.kind == kind.rawValue } }
}

/// docs/protections.md as the engine applies it, with SPEC §8 and §9's worked examples.
@Suite("Copier protections and profit sharing in the engine")
struct ProtectionEngineTests {
    static func d(_ s: String) -> Decimal8 { try! Decimal8(parsing: s) }

    /// SPEC §8's TP/SL example up to T1's open: C1 (5,000) follows T1 with multiplier 0.25,
    /// leverage 10, tpRatio 0.5, slRatio 0.3; T1 opens 0.5 BTCUSDT long at 20,000.
    static func exampleC1() async throws -> EngineHarness {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C1", trader: false, deposit: "5000")
        try await h.follow("C1", "T1", multiplier: "0.25") {
            $0.hasTpRatio_p = true; $0.tpRatioE8 = EngineHarness.e8("0.5")
            $0.hasSlRatio_p = true; $0.slRatioE8 = EngineHarness.e8("0.3")
        }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        return h
    }

    @Test("SPEC §8 TP/SL: C1's copy 0.1237 with TP 21000 and SL 19400 stops out at 19400; wallet 4923.34311; T1 stays open")
    func takeProfitStopLossExample() async throws {
        var h = try await Self.exampleC1()
        let copy = try #require(h.copy(of: "C1"))
        #expect(copy.quantity == "0.1237" && copy.margin == "247.4" && copy.openFees == "1.237")
        #expect(copy.triggers.takeProfit == "21000" && copy.triggers.stopLoss == "19400")
        try await h.mark("BTCUSDT", "19400.1")
        #expect(h.copy(of: "C1") != nil)
        try await h.mark("BTCUSDT", "19400")
        #expect(h.copy(of: "C1") == nil)
        let e = try #require(h.events(.copyStopLoss).first)
        #expect(e.priceE8 == EngineHarness.e8("19400") && e.amountE8 == EngineHarness.e8("-75.41989") && e.reason == "stop_loss")
        #expect(e.detail.contains("pnl -74.22 fee 1.19989"))
        let c1 = try #require(h.state.accounts["C1"])
        #expect(c1.wallet == "4923.34311" && c1.identityHolds)
        #expect(h.state.positions.values.contains { $0.account == "T1" })
        // The relation's result counts both fees.
        let rel = try #require(h.relation("C1"))
        #expect(rel.realizedPnl == "-74.22" && rel.fees == "2.43689")
    }

    @Test("take profit fires at 21000 from below, before a liquidation on the same tick; a short's triggers mirror")
    func takeProfitAndShort() async throws {
        var h = try await Self.exampleC1()
        try await h.mark("BTCUSDT", "21000")
        #expect(h.events(.copyTakeProfit).count == 1 && h.copy(of: "C1") == nil)
        try await h.close("T1", "BTCUSDT")
        try await h.open("T1", "BTCUSDT", long: false, qty: "0.5", price: "21000")
        let short = try #require(h.copy(of: "C1"))
        // Short TP E*(1 - 0.05) = 19950, SL E*(1 + 0.03) = 21630.
        #expect(short.triggers.takeProfit == "19950" && short.triggers.stopLoss == "21630")
        // A gap far past the stop and the liquidation price: the stop loss closes it at the
        // mark first, losing no more than its margin (insurance takes the rest).
        try await h.mark("BTCUSDT", "25000")
        let stop = try #require(h.events(.copyStopLoss).first)
        #expect(stop.accountID == "C1" && !h.events(.liquidated).contains { $0.accountID == "C1" })
        #expect(stop.detail.contains("insurance covered") && stop.amountE8 == -short.margin.e8)
        #expect(try #require(h.state.accounts["C1"]).identityHolds)
    }

    @Test("SPEC §8 relation stop: -99.99 at 19808.0 does nothing; 19807.9 stops it and closes the copy (market)")
    func relationStopExample() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C2", trader: false, deposit: "10000")
        try await h.follow("C2", "T1", multiplier: "1") {
            $0.hasStopLossAmount_p = true; $0.stopLossAmountE8 = EngineHarness.e8("100")
            $0.closePolicy = .market
        }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        #expect(h.copy(of: "C2")?.quantity == "0.495" && h.copy(of: "C2")?.openFees == "4.95")
        try await h.mark("BTCUSDT", "19808.0")
        let rel = try #require(h.relation("C2"))
        #expect(try h.engine.netResult(rel, EngineTransaction(base: h.state, inputKey: "", nowMs: 0)) == "-99.99")
        #expect(rel.status == .following && h.copy(of: "C2") != nil)
        try await h.mark("BTCUSDT", "19807.9")
        let stopped = try #require(h.events(.relationStopped).first)
        #expect(stopped.amountE8 == EngineHarness.e8("-100.0395"))
        let closed = try #require(h.lastChanges.events.first { $0.kind == "copy.closed" })
        #expect(closed.priceE8 == EngineHarness.e8("19807.9") && closed.detail.contains("pnl -95.0895 fee 4.90245525"))
        #expect(closed.reason == "relation_stopped")
        #expect(h.relation("C2")?.status == .stopped && h.copy(of: "C2") == nil)
        // Stopped: the next trader open is not copied, and resume is refused.
        try await h.open("T1", "ETHUSDT", long: true, qty: "1", price: "2000")
        #expect(h.copy(of: "C2") == nil)
        await #expect(throws: DomainError.self) { try await h.run { $0.resume.copierID = "C2"; $0.resume.traderID = "T1" } }
    }

    @Test("detach at stop: the copy stays open as the copier's own, the trader's close leaves it, the copier closes it")
    func detachPolicy() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C2", trader: false, deposit: "10000")
        try await h.follow("C2", "T1", multiplier: "1") {
            $0.hasStopLossAmount_p = true; $0.stopLossAmountE8 = EngineHarness.e8("100")
            $0.closePolicy = .detach
        }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        try await h.mark("BTCUSDT", "19807.9")
        let own = try #require(h.copy(of: "C2"))
        #expect(own.copiedFrom == nil && own.relationID == nil && h.events(.copyDetached).count == 1)
        try await h.close("T1", "BTCUSDT")
        #expect(h.copy(of: "C2") != nil)
        try await h.close("C2", "BTCUSDT")
        #expect(h.copy(of: "C2") == nil && h.state.accounts["C2"]!.identityHolds)
    }

    @Test("SPEC §9: N = 484.8525 pays 48.48525 from C2 to T1; identities hold; a second settlement pays nothing")
    func profitShareExample() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C2", trader: false, deposit: "10000")
        try await h.shareRatio("T1", "0.1")
        try await h.follow("C2", "T1", multiplier: "1") { _ in }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        try await h.run { $0.close.accountID = "T1"; $0.close.symbol = "BTCUSDT"; $0.close.priceE8 = EngineHarness.e8("21000") }
        let rel = try #require(h.relation("C2"))
        let net = try rel.netProfit
        #expect(rel.realizedPnl == "495" && rel.fees == "10.1475" && net == "484.8525")
        let (c2, t1) = (h.state.accounts["C2"]!, h.state.accounts["T1"]!)
        try await h.settle()
        #expect(h.events(.profitSharePaid).first?.amountE8 == EngineHarness.e8("48.48525"))
        #expect(h.events(.profitShareReceived).first?.amountE8 == EngineHarness.e8("48.48525"))
        let (c2b, t1b) = (h.state.accounts["C2"]!, h.state.accounts["T1"]!)
        let (paid, received) = (try c2.wallet - c2b.wallet, try t1b.wallet - t1.wallet)
        #expect(paid == "48.48525" && received == "48.48525")
        #expect(c2b.identityHolds && t1b.identityHolds && h.relation("C2")?.shared == "48.48525")
        try await h.settle()
        #expect(h.events(.profitSharePaid).isEmpty)
    }

    @Test("a short balance pays part and keeps the rest due; losses are never refunded")
    func partialPaymentAndHighWaterMark() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C2", trader: false, deposit: "10000")
        try await h.shareRatio("T1", "0.5")
        try await h.follow("C2", "T1", multiplier: "1") { _ in }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        try await h.run { $0.close.accountID = "T1"; $0.close.symbol = "BTCUSDT"; $0.close.priceE8 = EngineHarness.e8("21000") }
        // Due 242.42625; leave the copier 100 available.
        let available = try h.balances("C2").available
        try await h.withdraw("C2", "\(try available - Decimal8(100))")
        try await h.settle(trader: "T1")
        #expect(h.events(.profitSharePaid).first?.amountE8 == EngineHarness.e8("100"))
        #expect(h.events(.profitShareShort).first?.amountE8 == EngineHarness.e8("142.42625"))
        try await h.run { $0.deposit.accountID = "C2"; $0.deposit.amountE8 = EngineHarness.e8("1000") }
        try await h.settle()
        #expect(h.events(.profitSharePaid).first?.amountE8 == EngineHarness.e8("142.42625"))
        // A losing round trip after that: nothing is refunded, nothing due.
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        try await h.run { $0.close.accountID = "T1"; $0.close.symbol = "BTCUSDT"; $0.close.priceE8 = EngineHarness.e8("19900") }
        let shared = try #require(h.relation("C2")).shared
        try await h.settle()
        #expect(h.events(.profitSharePaid).isEmpty && h.relation("C2")?.shared == shared)
        let identities = h.state.accounts.values.allSatisfy(\.identityHolds)
        #expect(identities)
    }

    @Test("unfollow keeping copies (follow) leaves the relation ended; the trader's profitable close is still shared, then it is removed")
    func unfollowCannotDodgeTheShare() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C2", trader: false, deposit: "10000")
        try await h.shareRatio("T1", "0.1")
        try await h.follow("C2", "T1", multiplier: "1") { _ in }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        try await h.run { $0.unfollow.copierID = "C2"; $0.unfollow.traderID = "T1" }
        #expect(h.relation("C2")?.status == .ended)
        try await h.run { $0.close.accountID = "T1"; $0.close.symbol = "BTCUSDT"; $0.close.priceE8 = EngineHarness.e8("21000") }
        #expect(h.events(.profitSharePaid).first?.amountE8 == EngineHarness.e8("48.48525"))
        #expect(h.relation("C2") == nil && h.events(.relationEnded).count == 1)
        // Following again is a new relation.
        try await h.follow("C2", "T1", multiplier: "1") { _ in }
        #expect(h.relation("C2")?.status == .following)
    }

    @Test("symbols, the daily margin cap by UTC day, maxCopiers, and copyOpenPositions")
    func limits() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C1", trader: false, deposit: "10000")
        try await h.account("C2", trader: false, deposit: "10000")
        try await h.account("C3", trader: false, deposit: "10000")
        try await h.run { $0.setAccount.accountID = "T1"; $0.setAccount.hasMaxCopiers_p = true; $0.setAccount.maxCopiers = 2 }
        try await h.follow("C1", "T1", multiplier: "1") { $0.symbols = ["ETHUSDT"] }
        try await h.follow("C2", "T1", multiplier: "1") { $0.hasMaxDailyMargin_p = true; $0.maxDailyMarginE8 = EngineHarness.e8("1500") }
        do {
            try await h.follow("C3", "T1", multiplier: "1") { _ in }
            Issue.record("a third follow was accepted")
        } catch let e as DomainError {
            #expect(e.field == "maxCopiers" && e.message.contains("2"))
        }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        #expect(h.lastChanges.events.contains { $0.kind == "copy.skipped" && $0.accountID == "C1" && $0.reason == "symbol_not_copied" })
        #expect(h.relation("C2")?.dailyMarginUsed == "990")
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        #expect(h.lastChanges.events.contains { $0.kind == "copy.skipped" && $0.accountID == "C2" && $0.reason == "daily_cap" })
        // A fill back-dated to the day before cannot reset the cap.
        let yesterday = h.clockMs - 86_400_000
        try await h.run {
            $0.open.accountID = "T1"; $0.open.symbol = "BTCUSDT"; $0.open.side = .long; $0.open.quantityE8 = EngineHarness.e8("0.5")
            $0.open.priceE8 = EngineHarness.e8("20000"); $0.open.leverage = 10; $0.open.atMs = yesterday
        }
        #expect(h.lastChanges.events.contains { $0.kind == "copy.skipped" && $0.accountID == "C2" && $0.reason == "daily_cap" })
        h.clockMs += 86_400_000
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        #expect(h.lastChanges.events.contains { $0.kind == "copy.increased" && $0.accountID == "C2" })
        // Unfollowing frees a place; C3 copies the open position at the mark.
        try await h.run { $0.unfollow.copierID = "C1"; $0.unfollow.traderID = "T1" }
        try await h.mark("BTCUSDT", "20100")
        try await h.follow("C3", "T1", multiplier: "0.1") { $0.copyOpenPositions = true }
        let copy = try #require(h.copy(of: "C3"))
        #expect(copy.entry == "20100" && h.lastChanges.events.contains { $0.kind == "copy.opened" && $0.detail.contains("copied at follow") })
    }

    @Test("bad settings are refused naming the field; nothing changes")
    func badInput() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C1", trader: false, deposit: "10000")
        let cases: [(String, (inout Copytrade_V1_FollowRequest) -> Void)] = [
            ("tpRatio", { $0.hasTpRatio_p = true; $0.tpRatioE8 = 0 }),
            ("slRatio", { $0.hasSlRatio_p = true; $0.slRatioE8 = -1 }),
            ("stopLossAmount", { $0.hasStopLossAmount_p = true; $0.stopLossAmountE8 = 0 }),
            ("closePolicy", { $0.closePolicy = .UNRECOGNIZED(9) }),
            ("symbols", { $0.symbols = ["NOPEUSDT"] }),
            ("maxDailyMargin", { $0.hasMaxDailyMargin_p = true; $0.maxDailyMarginE8 = -5 }),
        ]
        let before = h.state
        for (field, configure) in cases {
            do {
                try await h.follow("C1", "T1", multiplier: "1", configure)
                Issue.record("\(field): accepted")
            } catch let e as DomainError {
                #expect(e.field == field, "\(e)")
            }
        }
        for ratio in ["0.6", "-0.1"] {
            do {
                try await h.shareRatio("T1", ratio)
                Issue.record("ratio \(ratio) accepted")
            } catch let e as DomainError {
                #expect(e.field == "profitShareRatio")
            }
        }
        #expect(h.state.relations == before.relations && h.state.accounts == before.accounts)
    }

    @Test("relation set: new ratios recompute the open copies' triggers; clearing removes them; unknown names refused")
    func relationSet() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "100000")
        try await h.account("C1", trader: false, deposit: "5000")
        try await h.follow("C1", "T1", multiplier: "0.25") { _ in }
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        #expect(h.copy(of: "C1")?.triggers == CopyTriggers())
        try await h.run {
            $0.setRelation.copierID = "C1"; $0.setRelation.traderID = "T1"
            $0.setRelation.settings.tpRatioE8 = EngineHarness.e8("0.5")
            $0.setRelation.settings.slRatioE8 = EngineHarness.e8("0.3")
            $0.setRelation.fields = ["tpRatio", "slRatio"]
        }
        #expect(h.copy(of: "C1")?.triggers == CopyTriggers(takeProfit: "21000", stopLoss: "19400"))
        try await h.run {
            $0.setRelation.copierID = "C1"; $0.setRelation.traderID = "T1"; $0.setRelation.clear = ["tpRatio"]
        }
        #expect(h.copy(of: "C1")?.triggers == CopyTriggers(takeProfit: nil, stopLoss: "19400"))
        await #expect(throws: DomainError.self) {
            try await h.run { $0.setRelation.copierID = "C1"; $0.setRelation.traderID = "T1"; $0.setRelation.fields = ["colour"] }
        }
        // After a snapshot round trip the trigger index still fires.
        var restored = EngineHarness()
        restored.state = OutcomeWire.state(OutcomeWire.snapshot(h.state, sequence: 1))
        restored.clockMs = h.clockMs
        #expect(restored.state.relations == h.state.relations && restored.state.positions == h.state.positions)
        try await restored.mark("BTCUSDT", "19400")
        #expect(restored.events(.copyStopLoss).count == 1)
    }
}
