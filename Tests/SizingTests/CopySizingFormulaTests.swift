import CopyTradeCore
import Sizing
import Testing

/// A hand-checked sizing case; the arithmetic is in the comment beside each row.
struct SizingCase: Sendable, CustomTestStringConvertible {
    var name: String
    var request: CopyOrderRequest
    var quantity: Decimal8
    var openValue: Decimal8
    var margin: Decimal8
    var fee: Decimal8
    var worstPrice: Decimal8
    var targetValue: Decimal8
    var budget: Decimal8
    var testDescription: String { name }
}

let handCheckedCases: [SizingCase] = [
    // Long, m=1, L=10: V = 20000*0.5 = 10000; 1 - fL = 1 - 0.005 = 0.995;
    // q = 10000*0.995 / (20000*1.005) = 9950/20100 = 0.49502487... -> 0.4950.
    // openValue 0.495*20000 = 9900; margin 9900/10 = 990; fee 9900*0.0005 = 4.95; worst 20100.
    SizingCase(name: "BTC long proportional m=1 L=10", request: btcRequest(side: .long),
               quantity: "0.4950", openValue: "9900", margin: "990", fee: "4.95", worstPrice: "20100",
               targetValue: "10000", budget: "1000"),
    // Short: divisor max(20000*0.995, 20000) = 20000; q = 9950/20000 = 0.4975 exactly.
    // openValue 9950; margin 995; fee 4.975; worst 20000*0.995 = 19900.
    SizingCase(name: "BTC short proportional m=1 L=10", request: btcRequest(side: .short),
               quantity: "0.4975", openValue: "9950", margin: "995", fee: "4.975", worstPrice: "19900",
               targetValue: "10000", budget: "1000"),
    // Long, m=0.5, L=20, F=30000, Qt=0.2: V = 6000, mV = 3000; 1 - fL = 0.99;
    // q = 2970 / 30150 = 0.09850746... -> 0.0985; openValue 2955; margin 147.75; fee 1.4775; worst 30150.
    SizingCase(name: "BTC long proportional m=0.5 L=20",
               request: btcRequest(side: .long, fill: "30000", quantity: "0.2", mode: .proportional(multiplier: "0.5"), leverage: 20),
               quantity: "0.0985", openValue: "2955", margin: "147.75", fee: "1.4775", worstPrice: "30150",
               targetValue: "3000", budget: "150"),
    // Short, m=2, L=5, F=25000.5, Qt=0.1234: V = 3085.0617, mV = 6170.1234; 1 - fL = 0.9975;
    // q = 6170.1234*0.9975/25000.5 = 0.2468*0.9975 = 0.246183 -> 0.2461;
    // openValue 0.2461*25000.5 = 6152.62305; margin /5 = 1230.52461; fee *0.0005 = 3.076311525 -> up 3.07631153;
    // worst 25000.5*0.995 = 24875.4975 -> up to the tick 24875.5; budget 6170.1234/5 = 1234.02468.
    SizingCase(name: "BTC short proportional m=2 L=5 odd fill",
               request: btcRequest(side: .short, fill: "25000.5", quantity: "0.1234", mode: .proportional(multiplier: 2), leverage: 5),
               quantity: "0.2461", openValue: "6152.62305", margin: "1230.52461", fee: "3.07631153", worstPrice: "24875.5",
               targetValue: "6170.1234", budget: "1234.02468"),
    // ETH long, m=3, L=50, F=1800, Qt=2, k=0.01: V = 3600, mV = 10800; 1 - fL = 0.975;
    // q = 10530 / 1818 = 5.79207920... -> 5.792; openValue 10425.6; margin 208.512; fee 5.2128; worst 1818.
    SizingCase(name: "ETH long proportional m=3 L=50 k=0.01",
               request: btcRequest(side: .long, fill: "1800", quantity: "2", mode: .proportional(multiplier: 3), leverage: 50,
                                   slippage: "0.01", rules: ethRules),
               quantity: "5.792", openValue: "10425.6", margin: "208.512", fee: "5.2128", worstPrice: "1818",
               targetValue: "10800", budget: "216"),
    // Fixed long, B=100, L=10: BL = 1000; q = 1000*0.995/20100 = 0.04950248... -> 0.0495;
    // openValue 990; margin 99; fee 0.495; worst 20100; target 1000; budget 100.
    SizingCase(name: "BTC long fixed B=100 L=10",
               request: btcRequest(side: .long, mode: .fixedMargin(100)),
               quantity: "0.0495", openValue: "990", margin: "99", fee: "0.495", worstPrice: "20100",
               targetValue: "1000", budget: "100"),
    // Fixed short, B=100, L=10: q = 995/20000 = 0.04975 -> 0.0497 (down to the step);
    // openValue 994; margin 99.4; fee 0.497; worst 19900.
    SizingCase(name: "BTC short fixed B=100 L=10",
               request: btcRequest(side: .short, mode: .fixedMargin(100)),
               quantity: "0.0497", openValue: "994", margin: "99.4", fee: "0.497", worstPrice: "19900",
               targetValue: "1000", budget: "100"),
    // Fixed ETH long, B=250, L=20, F=1800, k=0.01: BL = 5000; 1 - fL = 0.99;
    // q = 4950/1818 = 2.72277227... -> 2.722; openValue 4899.6; margin 244.98; fee 2.4498; worst 1818.
    SizingCase(name: "ETH long fixed B=250 L=20",
               request: btcRequest(side: .long, fill: "1800", quantity: "2", mode: .fixedMargin(250), leverage: 20,
                                   slippage: "0.01", rules: ethRules),
               quantity: "2.722", openValue: "4899.6", margin: "244.98", fee: "2.4498", worstPrice: "1818",
               targetValue: "5000", budget: "250"),
    // Fixed ETH short, B=250, L=20, F=1800.37: q = 4950/1800.37 = 2.74943483... -> 2.749;
    // openValue 2.749*1800.37 = 4949.21713; margin /20 = 247.4608565 -> up 247.46085650 (exact);
    // fee 2.474608565 -> up 2.47460857; worst 1800.37*0.99 = 1782.3663 -> up to 0.01: 1782.37.
    SizingCase(name: "ETH short fixed B=250 L=20 odd fill",
               request: btcRequest(side: .short, fill: "1800.37", quantity: "2", mode: .fixedMargin(250), leverage: 20,
                                   slippage: "0.01", rules: ethRules),
               quantity: "2.749", openValue: "4949.21713", margin: "247.4608565", fee: "2.47460857", worstPrice: "1782.37",
               targetValue: "5000", budget: "250"),
]

@Suite("Copy sizing formulas (SPEC §4)")
struct CopySizingFormulaTests {
    let sizer = StandardCopySizer()

    @Test("hand-checked cases, both sides, both modes", arguments: handCheckedCases)
    func handChecked(_ c: SizingCase) throws {
        let plan = try #require(try sizer.plan(c.request).plan)
        #expect(plan.side == c.request.side)
        #expect(plan.quantity == c.quantity)
        #expect(plan.openValue == c.openValue)
        #expect(plan.margin == c.margin)
        #expect(plan.fee == c.fee)
        #expect(plan.worstPrice == c.worstPrice)
        #expect(plan.targetValue == c.targetValue)
        #expect(plan.budget == c.budget)
        #expect(plan.leverage == c.request.leverage)
        #expect(try plan.cost <= plan.budget)
    }

    @Test("worst price without a tick keeps 1e-8 precision and rounds toward protection")
    func worstPriceWithoutTick() throws {
        var rules = btcRules
        rules.tickSize = nil
        // 20000.15 * 1.005 = 20100.15075 (exact); 20000.15 * 0.995 = 19900.14925 (exact).
        let long = try #require(try sizer.plan(btcRequest(side: .long, fill: "20000.15", rules: rules)).plan)
        let short = try #require(try sizer.plan(btcRequest(side: .short, fill: "20000.15", rules: rules)).plan)
        #expect(long.worstPrice == "20100.15075")
        #expect(short.worstPrice == "19900.14925")
        // With the 0.1 tick: long rounds down to 20100.1, short up to 19900.2.
        let longTick = try #require(try sizer.plan(btcRequest(side: .long, fill: "20000.15")).plan)
        let shortTick = try #require(try sizer.plan(btcRequest(side: .short, fill: "20000.15")).plan)
        #expect(longTick.worstPrice == "20100.1")
        #expect(shortTick.worstPrice == "19900.2")
    }

    @Test("zero slippage: long and short size alike and the worst price is the fill")
    func zeroSlippage() throws {
        let long = try #require(try sizer.plan(btcRequest(side: .long, slippage: 0)).plan)
        let short = try #require(try sizer.plan(btcRequest(side: .short, slippage: 0)).plan)
        #expect(long.quantity == "0.4975")
        #expect(short.quantity == "0.4975")
        #expect(long.worstPrice == "20000")
        #expect(short.worstPrice == "20000")
    }

    @Test("a fee that eats the whole target value sizes to zero and is skipped, not an error")
    func feeEatsEverything() throws {
        let rules = CopySymbolRules(stepSize: "0.0001", tickSize: nil, minQuantity: "0.001", minNotional: 0,
                                    maxLeverage: 125, takerFeeRate: "0.01")
        // f*L = 0.01 * 100 = 1, so 1 - fL = 0.
        let outcome = try sizer.plan(btcRequest(leverage: 100, rules: rules))
        #expect(outcome.skip == CopySkip(reason: .belowMinimumQuantity, value: 0, limit: "0.001"))
    }

    @Test("custom multiplier bounds are respected")
    func customBounds() throws {
        let wide = StandardCopySizer(bounds: try MultiplierBounds(minimum: "0.001", maximum: 50))
        // m = 20: q = 20*0.5*0.995/1.005 = 9.90049751... -> 9.9004.
        let plan = try #require(try wide.plan(btcRequest(mode: .proportional(multiplier: 20))).plan)
        #expect(plan.quantity == "9.9004")
        #expect(throws: DomainError.self) { try sizer.plan(btcRequest(mode: .proportional(multiplier: 20))) }
    }

    @Test("zero fee: the budget guard keeps rounded-up margin within the budget")
    func zeroFeeBudgetGuard() throws {
        // f = 0, k = 0, L = 3, F = 1, Qt = 10, m = 1, step 1e-8: the formula gives q = 10, whose margin
        // 10/3 rounds up to 3.33333334 > budget 3.33333333. The guard sizes to (3.33333331*3)/1 = 9.99999993.
        let rules = CopySymbolRules(stepSize: Decimal8.ulp, tickSize: nil, minQuantity: 0, minNotional: 0,
                                    maxLeverage: 10, takerFeeRate: 0)
        let plan = try #require(try sizer.plan(btcRequest(fill: 1, quantity: 10, leverage: 3, slippage: 0, rules: rules)).plan)
        #expect(plan.budget == "3.33333333")
        #expect(plan.quantity == "9.99999993")
        #expect(plan.margin == "3.33333331")
        #expect(try plan.cost <= plan.budget)
    }
}
