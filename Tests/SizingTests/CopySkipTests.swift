import CopyTradeCore
import Sizing
import Testing

@Suite("Copy order skips (SPEC §4), in their order")
struct CopySkipTests {
    let sizer = StandardCopySizer()

    @Test("a paused relation skips before anything else")
    func paused() throws {
        // Would also be below the minimum quantity and above every cap.
        let request = btcRequest(quantity: "0.0001",
                                 relation: CopyRelationLimits(isPaused: true, maxMarginPerOrder: 1, maxTotalCopyMargin: 1),
                                 available: 0)
        let skip = try #require(try sizer.plan(request).skip)
        #expect(skip.reason == .relationPaused)
        #expect(skip.message == "the copy relation is paused")
    }

    @Test("quantity below the minimum quantity")
    func belowMinimumQuantity() throws {
        // m = 0.5, Qt = 0.001, long: q = 0.0005*0.995/1.005 = 0.000495... -> 0.0004 < 0.001.
        let skip = try #require(try sizer.plan(btcRequest(quantity: "0.001", mode: .proportional(multiplier: "0.5"))).skip)
        #expect(skip == CopySkip(reason: .belowMinimumQuantity, value: "0.0004", limit: "0.001"))
        #expect(skip.message == "quantity 0.0004 is below the minimum quantity 0.001")
    }

    @Test("a quantity that rounds to zero is below the minimum quantity, even with no minimum")
    func zeroQuantity() throws {
        var rules = btcRules
        rules.minQuantity = 0
        rules.minNotional = 0
        // m = 0.01, Qt = 0.001: q = 0.00001*0.995/1.005 < one step -> 0.
        let skip = try #require(try sizer.plan(btcRequest(quantity: "0.001", mode: .proportional(multiplier: "0.01"), rules: rules)).skip)
        #expect(skip == CopySkip(reason: .belowMinimumQuantity, value: 0, limit: 0))
    }

    @Test("notional below the minimum notional")
    func belowMinimumNotional() throws {
        var rules = btcRules
        rules.minQuantity = "0.0001"
        // Short, m = 0.5, Qt = 0.0005: q = 0.00025*0.995 = 0.00024875 -> 0.0002; notional 0.0002*20000 = 4 < 5.
        let skip = try #require(try sizer.plan(btcRequest(side: .short, quantity: "0.0005",
                                                          mode: .proportional(multiplier: "0.5"), rules: rules)).skip)
        #expect(skip == CopySkip(reason: .belowMinimumNotional, value: 4, limit: 5))
        #expect(skip.message == "notional 4 is below the minimum notional 5")
    }

    @Test("margin above the maximum margin per order (checked before the total cap and the balance)")
    func aboveMaxMarginPerOrder() throws {
        // The reference long needs margin 990.
        let relation = CopyRelationLimits(maxMarginPerOrder: 500, maxTotalCopyMargin: 100, currentTotalCopyMargin: 50)
        let skip = try #require(try sizer.plan(btcRequest(relation: relation, available: 1)).skip)
        #expect(skip == CopySkip(reason: .aboveMaxMarginPerOrder, value: 990, limit: 500))
        // Exactly at the cap is allowed.
        let atCap = try sizer.plan(btcRequest(relation: CopyRelationLimits(maxMarginPerOrder: 990)))
        #expect(atCap.plan?.margin == 990)
    }

    @Test("total copy margin above its maximum (checked before the balance)")
    func aboveMaxTotalCopyMargin() throws {
        let relation = CopyRelationLimits(maxTotalCopyMargin: 10_000, currentTotalCopyMargin: 9_500)
        let skip = try #require(try sizer.plan(btcRequest(relation: relation, available: 1)).skip)
        // 9500 + 990 = 10490 > 10000.
        #expect(skip == CopySkip(reason: .aboveMaxTotalCopyMargin, value: 10_490, limit: 10_000))
        let exact = CopyRelationLimits(maxTotalCopyMargin: 10_000, currentTotalCopyMargin: 9_010)
        #expect(try sizer.plan(btcRequest(relation: exact)).plan != nil)
    }

    @Test("available balance below margin plus fee; exactly enough is placed")
    func insufficientBalance() throws {
        // The reference long costs 990 + 4.95 = 994.95.
        let skip = try #require(try sizer.plan(btcRequest(available: "994.94999999")).skip)
        #expect(skip == CopySkip(reason: .insufficientBalance, value: "994.95", limit: "994.94999999"))
        #expect(skip.message == "margin plus fee 994.95 is more than the available balance 994.94999999")
        #expect(try sizer.plan(btcRequest(available: "994.95")).plan?.quantity == "0.4950")
        // Without an available balance the check is not made.
        #expect(try sizer.plan(btcRequest(available: nil)).plan != nil)
    }

    @Test("every skip reason has a message", arguments: CopySkipReason.allCases)
    func messages(_ reason: CopySkipReason) {
        #expect(!CopySkip(reason: reason, value: 1, limit: 2).message.isEmpty)
    }
}
