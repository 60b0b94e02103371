import Calculators
import CopyTradeCore
import Testing

/// Issue 9, through the calculators as `copyctl calc` runs them (in process, the same wire
/// requests as `--via`): expected values from exact fractions (Python `fractions`), then SPEC's
/// roundings. Large inputs, whose intermediates outgrow 128 bits, for every calculator.
@Suite("Calculator exactness (issue 9)")
struct CalcExactnessTests {
    let calc: Calculator

    init() throws { calc = try Calculator(via: nil) }

    func okxPosition(mark: Decimal8?) -> LiquidationInput {
        var i = LiquidationInput()
        i.preset = "okx"
        i.side = .long
        i.entry = "74819.90414552"
        i.quantity = "3146.78262902"
        i.margin = "4322022.57237842"
        i.mmr = "0.11064"
        i.cum = "5599279.3645"
        i.fee = "0.000561"
        i.maxLeverage = 100
        i.leverage = 86
        i.tick = "0.1"
        i.mark = mark
        return i
    }

    /// The issue's OKX case used to fail with an overflow; every figure fits.
    @Test func largeLiquidationFigures() async throws {
        let out = try await calc.liquidation(okxPosition(mark: "80300.57744583"))
        #expect(out["liquidationPrice"] == .decimal("80633.60131071"))
        #expect(out["liquidationPriceRounded"] == .decimal("80633.6"))
        #expect(out["bankruptcyPrice"] == .decimal("73446.43063879"))
        #expect(out["riskRate"] == .decimal("1.04318427"))
        #expect(out["maintenanceRequirement"] == .decimal("22499930.32135982"))
        #expect(out["maxReducible"] == .decimal(.zero))
        #expect(out["unrealizedPnl"] == .decimal("17246487.53674922"))
        #expect(out["marginBalance"] == .decimal("21568510.10912764"))
        #expect(out["liquidatable"] == .bool(true))
    }

    /// The issue's repro: shown 18069.2 where the exact price is 18069.19999999999.
    @Test func liquidationPriceIsRoundedOnce() async throws {
        var i = LiquidationInput()
        i.side = .long
        i.entry = 20000
        i.quantity = 1000
        i.margin = "2000065.20643601"
        i.mmr = "0.00333333"
        i.cum = .zero
        i.fee = "0.0005"
        i.leverage = 10
        i.tick = "0.1"
        i.mark = "18069.1"
        let out = try await calc.liquidation(i)
        #expect(out["liquidationPriceRounded"] == .decimal("18069.1"))
        #expect(out["liquidatable"] == .bool(true))
    }

    /// Without `--leverage`, `q*E/M` exactly: 10000/1500, and at 21000 `P*M/E` = 1575 is kept,
    /// so 425 may be taken out (the floored leverage 6 gave 250).
    @Test func effectiveLeverageIsExact() async throws {
        var i = LiquidationInput()
        i.symbol = "BTCUSDT"
        i.side = .long
        i.entry = 20000
        i.quantity = "0.5"
        i.margin = 1500
        i.mark = 21000
        let out = try await calc.liquidation(i)
        #expect(out["leverage"] == .decimal("6.66666667"))
        #expect(out["maxReducible"] == .decimal(425))
    }

    @Test func zeroMarginIsRefused() async throws {
        var i = LiquidationInput()
        i.side = .long
        i.entry = 20000
        i.quantity = "0.5"
        i.margin = .zero
        await #expect { _ = try await calc.liquidation(i) } throws: { ($0 as? DomainError)?.field == "--margin" }
    }

    @Test func largeOrderAndTheRuleTerms() async throws {
        var i = SizeInput()
        i.mode = .proportional
        i.multiplier = 10
        i.side = .long
        i.fill = "74819.90414552"
        i.quantity = "3146.78262902"
        i.leverage = 86
        i.fee = "0.000561"
        i.step = "0.001"
        i.tick = "0.1"
        i.maxLeverage = 100
        i.slippage = "0.0399"
        let out = try await calc.size(i)
        #expect(out["copierOpenValue"] == .decimal("2354419746.70063822"))
        #expect(out["copierMargin"] == .decimal("27376973.79884463"))
        #expect(out["quantity"] == .decimal("28800.489"))
        #expect(out["orderValue"] == .decimal("2154849826.32410316"))
        #expect(out["orderMargin"] == .decimal("25056393.32935004"))
        #expect(out["fee"] == .decimal("1208870.75256783"))
        #expect(out["worstPrice"] == .decimal("77805.2"))
    }

    /// SPEC §4's terms against the placed order: m = 0.5 of 10,000 at L = 10.
    @Test func sizeShowsTheRuleTermsUnderTheirNames() async throws {
        var i = SizeInput()
        i.multiplier = "0.5"
        i.fill = 20000
        i.quantity = "0.5"
        i.leverage = 10
        i.symbol = "BTCUSDT"
        let out = try await calc.size(i)
        #expect(out["copierOpenValue"] == .decimal(5000))
        #expect(out["copierMargin"] == .decimal(500))
        #expect(out["orderValue"] == .decimal(4950))
        #expect(out["orderMargin"] == .decimal(495))
        #expect(out["openValue"] == nil)
        #expect(out["margin"] == nil)
    }

    /// The symbol's tick applies to the worst price (DOGEUSDT: 0.00001).
    @Test func worstPriceIsOnTheSymbolsTick() async throws {
        var i = SizeInput()
        i.multiplier = 1
        i.fill = "0.12979"
        i.quantity = 1000
        i.leverage = 10
        i.symbol = "DOGEUSDT"
        i.slippage = "0.0399"
        #expect(try await calc.size(i)["worstPrice"] == .decimal("0.13496"))
    }

    @Test func largeRecommendation() async throws {
        var i = RecommendInput()
        i.copierEquity = "90000000000"
        i.traderEquity = "0.00000001"
        let out = try await calc.recommend(i)
        #expect(out["min"] == .decimal(10))
        #expect(out["max"] == .decimal(10))
    }

    @Test func largeSync() async throws {
        var i = SyncInput()
        i.traderMarginBefore = "4322022.57237842"
        i.delta = "2161011.28618921"
        i.copierMargin = "43220225.72378421"
        i.available = "90000000000"
        let out = try await calc.sync(i)
        #expect(out["copierDelta"] == .decimal("21610112.8618921"))
    }

    /// The OKX position walked with auto margin: two additions of 1,000,000, each on a tick price
    /// rounded once.
    @Test func largeAutoMargin() async throws {
        var i = AutoMarginInput()
        i.position = okxPosition(mark: nil)
        i.available = 900_000_000
        i.amount = 1_000_000
        i.path = ["80300.57744583", "80000"]
        let out = try await calc.autoMargin(i)
        guard case .list(let events)? = out["events"] else { Issue.record("no events"); return }
        #expect(events.count == 2)
        #expect(events.first?["margin"] == .decimal("5322022.57237842"))
        #expect(events.first?["liquidationPrice"] == .decimal("80276"))
        #expect(events.last?["margin"] == .decimal("6322022.57237842"))
        #expect(events.last?["liquidationPrice"] == .decimal("79918.5"))
        #expect(out["available"] == .decimal(898_000_000))
        #expect(out["liquidated"] == .bool(false))
    }

    @Test func badPathElementNamesItsPlace() async throws {
        var i = AutoMarginInput()
        i.position = okxPosition(mark: nil)
        i.available = 1
        i.amount = 1
        i.path = ["80000", "0"]
        await #expect { _ = try await calc.autoMargin(i) } throws: { ($0 as? DomainError)?.field == "--path[1]" }
    }

    /// Results beyond `Decimal8` are overflows naming the figure, never anonymous.
    @Test func overflowNamesTheFigure() async throws {
        var liq = LiquidationInput()
        liq.side = .short
        liq.entry = "90000000000"
        liq.quantity = 1
        liq.margin = "90000000000"
        liq.leverage = 1
        await #expect { _ = try await calc.liquidation(liq) } throws: { ($0 as? DomainError)?.field == "liquidationPrice" }
        var size = SizeInput()
        size.multiplier = 10
        size.fill = "90000000000"
        size.quantity = "90000000000"
        size.leverage = 1
        await #expect { _ = try await calc.size(size) } throws: { ($0 as? DomainError)?.field == "copierOpenValue" }
        var sync = SyncInput()
        sync.traderMarginBefore = "0.00000001"
        sync.delta = "90000000000"
        sync.copierMargin = "90000000000"
        sync.available = "90000000000"
        await #expect { _ = try await calc.sync(sync) } throws: { ($0 as? DomainError)?.field == "copierDelta" }
    }
}
