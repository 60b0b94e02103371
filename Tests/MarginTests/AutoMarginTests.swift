import CopyTradeCore
import Margin
import Testing

@Suite("Auto margin addition")
struct AutoMarginTests {
    func walk(margin: Decimal8 = "1000", available: Decimal8, amount: Decimal8,
              cancellable: Decimal8 = .zero) throws -> AutoMarginWalk {
        try AutoMarginWalk(position: Fixture.btcLong(margin: margin), risk: Fixture.risk(), available: available,
                           cancellableOrderMargin: cancellable, strategy: MarkValueModel(),
                           policy: FixedAmountAutoMargin(amount: amount))
    }

    /// `automargin --entry 20000 --qty 0.5 --margin 1000 --available 1500 --amount 1000
    /// --path 18069.2,16061.5,15057.7` (SPEC §3).
    @Test func specWalk() throws {
        var w = try walk(available: "1500", amount: "1000")
        let events = try w.walk(["18069.2", "16061.5", "15057.7"])
        #expect(events.count == 3)
        #expect(events[0] == AutoMarginEvent(mark: "18069.2", kind: .marginAdded, amount: "1000", margin: "2000",
                                             liquidationPrice: LiquidationPrice(exact: "16061.56929542", onTick: "16061.5"),
                                             available: "500", closePrice: nil))
        #expect(events[1].mark == "16061.5")
        #expect(events[1].kind == .marginAdded)
        #expect(events[1].amount == "500")
        #expect(events[1].margin == "2500")
        #expect(events[1].liquidationPrice?.onTick == "15057.7")
        #expect(events[1].available == .zero)
        #expect(events[2] == AutoMarginEvent(mark: "15057.7", kind: .liquidated, amount: "2500", margin: .zero,
                                             liquidationPrice: nil, available: .zero, closePrice: "15000"))
        #expect(w.isLiquidated)
        #expect(try w.apply(mark: "10000").isEmpty)
    }

    @Test func oneMarkCanTriggerSeveralAdditions() throws {
        var w = try walk(available: "1500", amount: "400")
        let events = try w.apply(mark: "18069.2")
        // Margin 1400 puts the liquidation price at 17266.2, below this mark: one addition is enough.
        #expect(events.map(\.kind) == [.marginAdded])
        let deeper = try w.apply(mark: "16061.5")
        // 1800 liquidates at 16463.3, still above this mark; 2200 at 15660.0: two additions of 400.
        #expect(deeper.map(\.amount) == ["400", "400"])
        #expect(w.position.margin == "2200")
        #expect(w.available == "300")
    }

    @Test func pendingOrdersAreCancelledBeforeAdding() throws {
        var w = try walk(available: "0", amount: "1000", cancellable: "700")
        let events = try w.apply(mark: "18069.2")
        #expect(events.map(\.kind) == [.ordersCancelled, .marginAdded])
        #expect(events[0].amount == "700")
        #expect(events[0].available == "700")
        #expect(events[1].amount == "700")
        #expect(w.position.margin == "1700")
        #expect(w.available == .zero)
        #expect(w.cancellableOrderMargin == .zero)
    }

    @Test(arguments: [
        ("20000", "0", "0", AutoMarginAction.none),
        ("18069.2", "0", "50", .cancelOrders(releasing: "50")),
        ("18069.2", "300", "0", .addMargin(amount: "300")),
        ("18069.2", "5000", "0", .addMargin(amount: "1000")),
        ("18069.2", "0", "0", .liquidate),
    ] as [(Decimal8, Decimal8, Decimal8, AutoMarginAction)])
    func decisionTable(mark: Decimal8, available: Decimal8, cancellable: Decimal8, expected: AutoMarginAction) throws {
        let situation = AutoMarginSituation(position: Fixture.btcLong(margin: "1000"), risk: try Fixture.risk(), mark: mark,
                                            available: available, cancellableOrderMargin: cancellable)
        #expect(try FixedAmountAutoMargin(amount: "1000").decide(situation, strategy: MarkValueModel()) == expected)
    }

    @Test func disabledAutoMarginLiquidates() throws {
        let situation = AutoMarginSituation(position: Fixture.btcLong(margin: "1000"), risk: try Fixture.risk(),
                                            mark: "18069.2", available: "5000", cancellableOrderMargin: "10")
        #expect(try NoAutoMargin().decide(situation, strategy: MarkValueModel()) == .liquidate)
    }

    @Test func nonPositiveAmountIsRefused() {
        do { _ = try FixedAmountAutoMargin(amount: .zero); Issue.record("accepted") } catch {
            #expect(error.field == "amount")
        }
    }

    @Test func tinyAmountHitsTheStepLimit() throws {
        var w = try walk(available: "1500", amount: "0.01")
        w.maxStepsPerMark = 100
        do { _ = try w.apply(mark: "16061.5"); Issue.record("no limit") } catch {
            #expect(error.code == .outOfRange)
        }
    }
}
