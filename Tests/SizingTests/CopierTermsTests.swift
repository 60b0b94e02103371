import CopyTradeCore
import Sizing
import Testing

/// Issue 9: the sizing answer carries SPEC §4's terms under their names (`copierOpenValue` m*V
/// or B*L, `copierMargin` m*V/L or B) next to the placed order's (`orderValue` q*F,
/// `orderMargin` q*F/L); the worst price is on the tick; large inputs are computed, not refused.
@Suite("Copy sizing: the rule's terms, the worst price's tick, large inputs")
struct CopierTermsTests {
    /// The issue's example: m = 0.5 of 0.5 BTC at 20,000, L = 10 -> the rule says 5,000 and 500;
    /// the order placed is 0.2475 BTC: 4,950 and 495.
    @Test func ruleTermsAndOrderFiguresAreBothAnswered() throws {
        let plan = try #require(try StandardCopySizer().plan(btcRequest(mode: .proportional(multiplier: "0.5"))).plan)
        #expect(plan.targetValue == 5000)
        #expect(plan.budget == 500)
        #expect(plan.quantity == "0.2475")
        #expect(plan.openValue == 4950)
        #expect(plan.margin == 495)
        let fixed = try #require(try StandardCopySizer().plan(btcRequest(mode: .fixedMargin(100), leverage: 5)).plan)
        #expect(fixed.targetValue == 500)
        #expect(fixed.budget == 100)
    }

    /// DOGEUSDT: F*(1+k) = 0.12979*1.0399 = 0.134968621 -> 0.13496 on the 0.00001 tick (long,
    /// down); F*(1-k) = 0.124611379 -> 0.12462 (short, up).
    @Test(arguments: [(Side.long, "0.13496"), (.short, "0.12462")] as [(Side, Decimal8)])
    func worstPriceIsOnTheTick(side: Side, worst: Decimal8) throws {
        let doge = CopySymbolRules(stepSize: "1", tickSize: "0.00001", minQuantity: "1", minNotional: "5", maxLeverage: 75,
                                   takerFeeRate: "0.0005")
        let plan = try #require(try StandardCopySizer().plan(btcRequest(side: side, fill: "0.12979", quantity: "1000",
                                                                        slippage: "0.0399", rules: doge)).plan)
        #expect(plan.worstPrice == worst)
    }

    /// Large inputs, expected values from exact fractions (Python `fractions`).
    @Test(arguments: [
        (Side.long, "28800.489", "2154849826.32410316", "25056393.32935004", "1208870.75256783", "77805.2"),
        (.short, "29949.629", "2240828370.97388602", "26056143.84853356", "1257104.71611636", "71834.6"),
    ] as [(Side, Decimal8, Decimal8, Decimal8, Decimal8, Decimal8)])
    func largeOrder(side: Side, quantity: Decimal8, value: Decimal8, margin: Decimal8, fee: Decimal8, worst: Decimal8) throws {
        let rules = CopySymbolRules(stepSize: "0.001", tickSize: "0.1", minQuantity: "0.001", minNotional: "5", maxLeverage: 100,
                                    takerFeeRate: "0.000561")
        let plan = try #require(try StandardCopySizer().plan(btcRequest(
            side: side, fill: "74819.90414552", quantity: "3146.78262902", mode: .proportional(multiplier: 10), leverage: 86,
            slippage: "0.0399", rules: rules)).plan)
        #expect(plan.targetValue == "2354419746.70063822")
        #expect(plan.budget == "27376973.79884463")
        #expect(plan.quantity == quantity)
        #expect(plan.openValue == value)
        #expect(plan.margin == margin)
        #expect(plan.fee == fee)
        #expect(plan.worstPrice == worst)
    }

    /// An equity ratio beyond `Decimal8` still recommends the maximum (it is clamped anyway).
    @Test func recommendationOfAHugeRatioIsTheMaximum() throws {
        #expect(try StandardCopySizer().recommend(copierEquity: "90000000000", traderEquity: "0.00000001")
                == MultiplierRange(lower: 10, upper: 10))
    }

    /// A result beyond `Decimal8` names the figure.
    @Test func overflowNamesTheFigure() throws {
        do {
            _ = try StandardCopySizer().plan(btcRequest(fill: "90000000000", quantity: "90000000000", leverage: 1))
            Issue.record("no overflow")
        } catch {
            #expect(error.code == .overflow)
            #expect(error.field == "copierOpenValue")
        }
    }
}
