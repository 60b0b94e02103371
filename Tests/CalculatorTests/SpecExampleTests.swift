import Calculators
import CopyTradeCore
import Testing

/// SPEC.md's worked examples, through the calculators exactly as `copyctl calc` runs them.
@Suite("SPEC worked examples")
struct SpecExampleTests {
    func btcLong(margin: Decimal8) -> LiquidationInput {
        var i = LiquidationInput()
        i.symbol = "BTCUSDT"
        i.side = .long
        i.entry = 20000
        i.quantity = "0.5"
        i.margin = margin
        i.leverage = 10
        return i
    }

    @Test(arguments: [("1000", "18069.2"), ("2000", "16061.5"), ("2500", "15057.7")])
    func liquidationPrices(margin: String, expected: String) async throws {
        let out = try await Calculator(via: nil).liquidation(btcLong(margin: try Decimal8(parsing: margin)))
        #expect(out["liquidationPriceRounded"] == .decimal(try Decimal8(parsing: expected)))
    }

    @Test func autoMarginWalk() async throws {
        var i = AutoMarginInput()
        i.position = btcLong(margin: 1000)
        i.available = 1500
        i.amount = 1000
        i.path = ["18069.2", "16061.5", "15057.7"]
        let out = try await Calculator(via: nil).autoMargin(i)
        guard case .list(let events)? = out["events"] else { Issue.record("no events"); return }
        #expect(events.count == 3)
        #expect(events[0]["action"] == .text("add_margin"))
        #expect(events[0]["amount"] == .decimal(1000))
        #expect(events[0]["margin"] == .decimal(2000))
        #expect(events[0]["available"] == .decimal(500))
        #expect(events[0]["liquidationPrice"] == .decimal("16061.5"))
        #expect(events[1]["amount"] == .decimal(500))
        #expect(events[1]["liquidationPrice"] == .decimal("15057.7"))
        #expect(events[2]["action"] == .text("liquidate"))
        #expect(events[2]["mark"] == .decimal("15057.7"))
        #expect(out["liquidated"] == .bool(true))
    }

    @Test func recommendedMultiplier() async throws {
        var i = RecommendInput()
        i.copierEquity = 10000
        i.traderEquity = 20000
        let out = try await Calculator(via: nil).recommend(i)
        #expect(out["min"] == .decimal("0.25"))
        #expect(out["max"] == .decimal("0.5"))
    }

    /// Hand-checked: V = 20000*0.5 = 10000, m = 1, L = 10, f = 0.0005, k = 0.005.
    /// long: 10000*(1-0.005)/20100 = 0.495024... -> 0.495; short: 10000*0.995/20000 = 0.4975.
    @Test(arguments: [(Side.long, "0.495", "20100"), (.short, "0.4975", "19900")])
    func sizingBothSides(side: Side, quantity: String, worst: String) async throws {
        var i = SizeInput()
        i.mode = .proportional
        i.multiplier = 1
        i.side = side
        i.fill = 20000
        i.quantity = "0.5"
        i.leverage = 10
        i.symbol = "BTCUSDT"
        i.slippage = "0.005"
        let out = try await Calculator(via: nil).size(i)
        #expect(out["quantity"] == .decimal(try Decimal8(parsing: quantity)))
        #expect(out["worstPrice"] == .decimal(try Decimal8(parsing: worst)))
    }

    /// r = 500/1000 = 0.5; copier 250 -> +125.
    @Test func syncRatio() async throws {
        var i = SyncInput()
        i.traderMarginBefore = 1000
        i.delta = 500
        i.copierMargin = 250
        i.available = 1000
        let out = try await Calculator(via: nil).sync(i)
        #expect(out["copierDelta"] == .decimal(125))
        i.received = 61_001
        let stale = try await Calculator(via: nil).sync(i)
        #expect(stale["reason"] == .text("stale"))
    }
}
