import CopyTradeCore
import Sizing
import Testing

@Suite("Pro-rata close (SPEC §4)")
struct CopyCloseTests {
    let sizer = StandardCopySizer()

    private func close(_ copier: Decimal8, _ closed: Decimal8, of before: Decimal8,
                       step: Decimal8 = "0.0001", min: Decimal8 = "0.001") throws -> CopyClosePlan {
        try sizer.closeQuantity(copierQuantity: copier, traderClosedQuantity: closed, traderQuantityBefore: before,
                                stepSize: step, minQuantity: min)
    }

    @Test("the trader closes fully: the copier closes all")
    func full() throws {
        #expect(try close("0.4950", "0.5", of: "0.5") == CopyClosePlan(quantity: "0.4950", remaining: 0, rule: .traderClosedFully))
    }

    @Test("half: 0.4950 * 0.25/0.5 = 0.2475")
    func half() throws {
        let plan = try close("0.4950", "0.25", of: "0.5")
        #expect(plan == CopyClosePlan(quantity: "0.2475", remaining: "0.2475", rule: .proRata))
        #expect(!plan.closesAll)
    }

    @Test("pro rata rounds down to the step: 0.4950 * 0.1/0.3 = 0.165 -> 0.1650; 0.4975 * 0.1/0.3 = 0.16583 -> 0.1658")
    func roundsDown() throws {
        #expect(try close("0.4950", "0.1", of: "0.3").quantity == "0.165")
        #expect(try close("0.4975", "0.1", of: "0.3") == CopyClosePlan(quantity: "0.1658", remaining: "0.3317", rule: .proRata))
    }

    @Test("a remainder below the minimum quantity closes everything")
    func remainderBelowMinimum() throws {
        // 0.0015 * 0.5 = 0.00075 -> 0.0007; remainder 0.0008 < 0.001 -> close 0.0015.
        let plan = try close("0.0015", "0.5", of: 1)
        #expect(plan == CopyClosePlan(quantity: "0.0015", remaining: 0, rule: .remainderBelowMinimum))
        #expect(plan.closesAll)
    }

    @Test("a share rounding to zero closes nothing when the remainder is tradable")
    func roundedToZero() throws {
        // 0.5 * 0.0001/1000 = 5e-8 -> 0 steps.
        #expect(try close("0.5", "0.0001", of: 1000) == CopyClosePlan(quantity: 0, remaining: "0.5", rule: .roundedToZero))
    }

    @Test("a dust position below the minimum is closed whole on any partial close")
    func dust() throws {
        #expect(try close("0.0005", "0.0001", of: 1000).rule == .remainderBelowMinimum)
    }

    @Test("bad close input names its field",
          arguments: [
            (Decimal8(0), Decimal8(1), Decimal8(2), Decimal8("0.0001"), Decimal8(0), "copierQuantity"),
            (1, 0, 2, "0.0001", 0, "traderClosedQuantity"),
            (1, 3, 2, "0.0001", 0, "traderClosedQuantity"),
            (1, 1, 0, "0.0001", 0, "traderQuantityBefore"),
            (1, 1, 2, 0, 0, "stepSize"),
            (1, 1, 2, "0.0001", "-1", "minQuantity"),
          ])
    func validation(_ c: (Decimal8, Decimal8, Decimal8, Decimal8, Decimal8, String)) {
        let error = #expect(throws: DomainError.self) {
            try sizer.closeQuantity(copierQuantity: c.0, traderClosedQuantity: c.1, traderQuantityBefore: c.2,
                                    stepSize: c.3, minQuantity: c.4)
        }
        #expect(error?.field == c.5)
    }
}
