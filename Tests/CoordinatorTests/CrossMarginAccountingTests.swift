import CopyTradeCore
import CopyTradeProto
import Sizing
import Testing
@testable import Coordinator

/// SPEC §7 as the engine applies it (docs/decisions.md, "Cross margin"): an unrealized cross
/// loss is not available, no input may leave a cross account liquidatable, a realized cross loss
/// never blocks a mark, and a cross loss is never paid out of isolated margins.
@Suite("Cross margin accounting")
struct CrossMarginAccountingTests {
    /// A copier with 3,000 copies 0.495 BTCUSDT long at 20,000 in cross mode.
    static func crossCopier() async throws -> EngineHarness {
        var h = EngineHarness()
        try await h.account("T", trader: true, deposit: "100000")
        try await h.account("X", trader: false, deposit: "3000")
        try await h.follow("X", "T", cross: true)
        try await h.mark("BTCUSDT", "20000")
        try await h.open("T", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        return h
    }

    @Test("available counts the unrealized cross loss: 2005.05 at entry, 25.05 at mark 16000")
    func availableCountsCrossLoss() async throws {
        var h = try await Self.crossCopier()
        let copy = try #require(h.state.positions.values.first { $0.account == "X" })
        #expect(copy.quantity == "0.495" && copy.mode == .cross)
        #expect(try h.balances("X").available == "2005.05")
        try await h.mark("BTCUSDT", "16000")
        let b = try h.balances("X")
        #expect(b.crossUnrealizedPnl == "-1980")
        #expect(b.available == "25.05")
    }

    @Test("withdraw 2000 after the loss is refused naming amount and the balance; nothing changes")
    func withdrawalBeyondTheLossIsRefused() async throws {
        var h = try await Self.crossCopier()
        try await h.mark("BTCUSDT", "16000")
        let before = h.state
        await #expect(throws: DomainError.self) { try await h.withdraw("X", "2000") }
        do { try await h.withdraw("X", "2000") } catch let e as DomainError {
            #expect(e.field == "amount" && e.code == .failedPrecondition && e.message.contains("25.05"), "\(e)")
        }
        #expect(h.state.accounts["X"] == before.accounts["X"])
        try await h.withdraw("X", "25.05")
        #expect(try h.balances("X").available == .zero)
    }

    /// Where the initial margin is below the maintenance requirement (500 BTC at 150x: margin
    /// 66,666.67, requirement 10,000,000 * (0.025 + 0.0005) - 49,500.001 = 205,499.999), spending what
    /// `available` shows would leave the account liquidatable: SPEC §7's second rule refuses it.
    @Test("a withdrawal within available that would leave the cross account liquidatable is refused")
    func withdrawalThatWouldLiquidateIsRefused() async throws {
        var h = EngineHarness()
        try await h.account("A", trader: true, deposit: "1000000")
        try await h.mark("BTCUSDT", "20000")
        try await h.open("A", "BTCUSDT", long: true, qty: "500", price: "20000", leverage: 150, cross: true)
        #expect(try h.balances("A").available == "928333.33333333")
        let e = try #require(try await h.crossEvaluation("A"))
        #expect(e.equityE8 == EngineHarness.e8("995000"))
        #expect(e.maintenanceRequirementE8 == EngineHarness.e8("205499.999"))
        do {
            try await h.withdraw("A", "900000")
            Issue.record("a withdrawal leaving equity 95,000 under a requirement of 205,499.999 was accepted")
        } catch let e as DomainError {
            #expect(e.field == "amount" && e.message.contains("liquidatable"), "\(e)")
        }
        #expect(h.state.accounts["A"]?.withdrawals == .zero)
        try await h.withdraw("A", "700000")
        #expect(try await h.crossEvaluation("A")?.liquidatable == false)
    }

    @Test("T1's realized cross loss never blocks a BTCUSDT mark; both isolated longs are liquidated to insurance")
    func realizedCrossLossDoesNotBlockMarks() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "1200")
        try await h.account("T2", trader: true, deposit: "10000")
        try await h.mark("BTCUSDT", "20000")
        try await h.mark("ETHUSDT", "1500")
        try await h.mark("SOLUSDT", "100")
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.4", price: "20000")
        try await h.open("T1", "ETHUSDT", long: true, qty: "1", price: "1500", cross: true)
        try await h.open("T1", "SOLUSDT", long: false, qty: "10", price: "100", cross: true)
        try await h.open("T2", "BTCUSDT", long: true, qty: "0.4", price: "20000")
        try await h.mark("SOLUSDT", "50")
        try await h.mark("ETHUSDT", "1000")
        try await h.close("T1", "ETHUSDT")
        #expect(try h.balances("T1").available == "-205.75")
        for price in ["18000", "15000", "10000"] { try await h.mark("BTCUSDT", price) }
        #expect(!h.state.positions.values.contains { $0.symbol == "BTCUSDT" })
        #expect(h.state.insurance == "1600")
        // The SOL profit gone, the cross account is liquidated; the deficit is insurance's.
        try await h.mark("SOLUSDT", "100")
        #expect(h.state.positions.isEmpty)
        let t1 = try #require(h.state.accounts["T1"])
        #expect(t1.wallet == .zero && t1.identityHolds)
        #expect(try h.balances("T1").available == .zero)
    }

    @Test("closing a cross position at a loss beyond everything the cross side has: insurance covers it, isolated margin stays backed")
    func crossDeficitIsCoveredByInsurance() async throws {
        var h = EngineHarness()
        try await h.account("A", trader: true, deposit: "1000")
        try await h.mark("BTCUSDT", "20000")
        try await h.mark("ETHUSDT", "1500")
        try await h.open("A", "BTCUSDT", long: true, qty: "0.4", price: "20000")   // isolated 800, fee 4
        try await h.open("A", "ETHUSDT", long: true, qty: "1", price: "1500", leverage: 10, cross: true)
        // A gap the mark check never saw: the close itself is at a price far below.
        try await h.run {
            $0.close.accountID = "A"
            $0.close.symbol = "ETHUSDT"
            $0.close.priceE8 = EngineHarness.e8("1100")
        }
        let b = try h.balances("A")
        #expect(try b.crossWallet == .zero, "\(b)")
        #expect(b.wallet == b.isolatedMargin)
        #expect(h.state.accounts["A"]?.identityHolds == true)
        #expect(h.state.insurance.isNegative)
    }

    @Test("a margin-sync release whose trader position has a cross copy: the cross copy is skipped not_isolated, the isolated one applied")
    func syncReleaseSkipsCrossCopies() async throws {
        var h = EngineHarness()
        try await h.account("T", trader: true, deposit: "100000")
        try await h.account("I", trader: false, deposit: "10000")
        try await h.account("C", trader: false, deposit: "10000")
        try await h.follow("I", "T")
        try await h.follow("C", "T", cross: true)
        try await h.mark("BTCUSDT", "20000")
        try await h.open("T", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        try await h.run {
            $0.adjustMargin.accountID = "T"
            $0.adjustMargin.symbol = "BTCUSDT"
            $0.adjustMargin.deltaE8 = EngineHarness.e8("500")
        }
        let ids = Array(h.state.heldSignals.keys)
        #expect(ids.count == 1)
        let release = try await h.run { $0.syncRelease.signalIds = ids }
        let skipped = release.events.filter { $0.kind == "sync.skipped" }
        #expect(skipped.map(\.accountID) == ["C"] && skipped.first?.reason == "not_isolated", "\(release.events)")
        #expect(release.events.filter { $0.kind == "sync.applied" }.map(\.accountID) == ["I"])
        #expect(h.state.heldSignals.isEmpty)
    }

    @Test("an own open filled so far from the mark that it would be liquidatable at once is refused naming price")
    func openLiquidatableAtTheMarkIsRefused() async throws {
        var h = EngineHarness()
        try await h.account("A", trader: true, deposit: "10000")
        try await h.mark("SOLUSDT", "50")
        do {
            try await h.open("A", "SOLUSDT", long: true, qty: "10", price: "100")
            Issue.record("a long at 100 with the mark at 50 was opened")
        } catch let e as DomainError {
            #expect(e.field == "price" && e.code == .failedPrecondition, "\(e)")
        }
        #expect(h.state.positions.isEmpty && h.state.accounts["A"]?.wallet == "10000")
        try await h.open("A", "SOLUSDT", long: true, qty: "10", price: "50")
        #expect(h.state.positions.count == 1)
    }

    /// The audit's "liquidated with money available and no addition": one tick crossing two of
    /// an account's positions serves them in id order, each from what the one before it left,
    /// so the second can be liquidated after taking only the rest (SPEC §3 applied per position).
    @Test("a gap tick crossing two auto-margin copies of one copier: the first is saved, the second takes the rest and is liquidated")
    func gapTickServesPositionsInOrder() async throws {
        var h = EngineHarness()
        try await h.account("T1", trader: true, deposit: "2000")
        try await h.account("T2", trader: true, deposit: "2000")
        try await h.account("C", trader: false, deposit: "1100")
        try await h.follow("C", "T1", autoMargin: "195.19")
        try await h.follow("C", "T2", autoMargin: "195.19")
        try await h.mark("BTCUSDT", "20000")
        try await h.open("T1", "BTCUSDT", long: true, qty: "0.05", price: "20000")
        try await h.open("T2", "BTCUSDT", long: true, qty: "0.05", price: "20000")
        let copies = h.state.positions.values.filter { $0.account == "C" }.sorted { IDOrder.less($0.id, $1.id) }
        #expect(copies.count == 2 && copies.allSatisfy { $0.autoMargin == "195.19" })
        let available = try h.balances("C").available
        let changes = try await h.mark("BTCUSDT", "5000")
        func added(_ id: String) throws -> [Decimal8] {
            changes.events.filter { $0.kind == "automargin.added" && $0.positionID == id }.map { Decimal8(e8: $0.amountE8) }
        }
        let first = try added(copies[0].id), second = try added(copies[1].id)
        #expect(first == Array(repeating: "195.19", count: 4), "\(changes.events)")
        #expect(h.state.positions[copies[0].id] != nil)
        #expect(second == [try available - "780.76"], "\(changes.events)")
        #expect(h.state.positions[copies[1].id] == nil)
        #expect(changes.events.contains { $0.kind == "liquidated" && $0.positionID == copies[1].id })
        #expect(try h.balances("C").available == .zero)
        #expect(h.state.accounts["C"]?.identityHolds == true)
    }

    /// The cap binds where a cross position's initial margin is below its requirement (500 BTC at
    /// 150x: margin 66,666.67, requirement 205,499.999), so `available` overstates what the cross
    /// side can spare: a gap on an isolated ETH long with auto margin takes only the room.
    @Test("auto margin on an isolated position takes only what keeps the account's cross positions above their requirement")
    func autoMarginSparesTheCrossSide() async throws {
        var h = EngineHarness()
        try await h.account("A", trader: true, deposit: "2000000")
        try await h.mark("BTCUSDT", "20000")
        try await h.mark("ETHUSDT", "1500")
        try await h.open("A", "BTCUSDT", long: true, qty: "500", price: "20000", leverage: 150, cross: true)
        try await h.open("A", "ETHUSDT", long: true, qty: "1300", price: "1500", leverage: 10)
        try await h.run {
            $0.setAutoMargin.accountID = "A"; $0.setAutoMargin.symbol = "ETHUSDT"
            $0.setAutoMargin.enabled = true; $0.setAutoMargin.amountE8 = EngineHarness.e8("10000000")
        }
        let before = try #require(try await h.crossEvaluation("A"))
        let room = try Decimal8(e8: before.equityE8) - Decimal8(e8: before.maintenanceRequirementE8) - .ulp
        #expect(try h.balances("A").available > room)
        let changes = try await h.mark("ETHUSDT", "15")
        let added = changes.events.filter { $0.kind == "automargin.added" }.map { Decimal8(e8: $0.amountE8) }
        #expect(added == [room], "\(changes.events)")
        #expect(changes.events.contains { $0.kind == "liquidated" && $0.symbol == "ETHUSDT" })
        #expect(try await h.crossEvaluation("A")?.liquidatable == false)
        #expect(h.state.positions.values.contains { $0.symbol == "BTCUSDT" })
        #expect(h.state.accounts["A"]?.identityHolds == true)
    }

    @Test("a sizing module that overspends: the copy is skipped insufficient_balance, nothing spent")
    func overspendingSizerIsRefused() async throws {
        var modules = ModuleSet.inProcess()
        modules.sizing = SizingOverWire(OverspendingSizing())
        var h = EngineHarness(modules: modules)
        try await h.account("T", trader: true, deposit: "100000")
        try await h.account("X", trader: false, deposit: "100")
        try await h.follow("X", "T")
        try await h.mark("BTCUSDT", "20000")
        let changes = try await h.open("T", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        let skipped = changes.events.filter { $0.kind == "copy.skipped" && $0.accountID == "X" }
        #expect(skipped.first?.reason == "insufficient_balance", "\(changes.events)")
        #expect(h.state.accounts["X"]?.wallet == "100")
        #expect(!h.state.positions.values.contains { $0.account == "X" })
    }
}

/// A sizing module that answers every copier an order costing ten times its balance.
final class OverspendingSizing: SizingAPI {
    private let inner = SizingHandler()
    func size(_ request: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision { try await inner.size(request) }
    func sizeBatch(_ request: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        var r = Copytrade_V1_SizeBatchResponse()
        for item in request.items {
            var d = Copytrade_V1_SizeDecision()
            d.quantityE8 = EngineHarness.e8("0.1")
            d.orderMarginE8 = item.availableE8 * 10
            d.feeE8 = 1
            d.worstPriceE8 = request.fillPriceE8 * 2
            r.decisions.append(d)
        }
        return r
    }
    func recommend(_ request: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse { try await inner.recommend(request) }
    func closeQuantity(_ request: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse {
        try await inner.closeQuantity(request)
    }
    func info() async throws -> Copytrade_V1_ModuleInfo { try await inner.info() }
}
