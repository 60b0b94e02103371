import CopyTradeCore
import Sizing
import Testing

@Suite("Recommended multiplier (SPEC §4)")
struct MultiplierRecommendationTests {
    let sizer = StandardCopySizer()

    @Test("SPEC example: copier 10,000, trader 20,000 -> 0.25 to 0.5")
    func specExample() throws {
        #expect(try sizer.recommend(copierEquity: 10_000, traderEquity: 20_000) == MultiplierRange(lower: "0.25", upper: "0.5"))
    }

    @Test("ratios round down to 1e-8 and clamp into the bounds",
          arguments: [
            // (Ec, Et, lower, upper): 1/3 -> 0.16666666 and 0.33333333 (down).
            (Decimal8(1_000), Decimal8(3_000), Decimal8("0.16666666"), Decimal8("0.33333333")),
            // 100/100000 = 0.001: both ends below 0.01 -> clamped to 0.01.
            (100, 100_000, "0.01", "0.01"),
            // 3000/100000 = 0.03: lower 0.015, upper 0.03.
            (3_000, 100_000, "0.015", "0.03"),
            // 300000/10000 = 30: lower 15 and upper 30 both clamp to 10.
            (300_000, 10_000, 10, 10),
            // 150000/10000 = 15: lower 7.5, upper clamps to 10.
            (150_000, 10_000, "7.5", 10),
          ])
    func table(_ c: (Decimal8, Decimal8, Decimal8, Decimal8)) throws {
        #expect(try sizer.recommend(copierEquity: c.0, traderEquity: c.1) == MultiplierRange(lower: c.2, upper: c.3))
    }

    @Test("custom bounds clamp too")
    func customBounds() throws {
        let sizer = StandardCopySizer(bounds: try MultiplierBounds(minimum: "0.5", maximum: 2))
        #expect(try sizer.recommend(copierEquity: 10_000, traderEquity: 20_000) == MultiplierRange(lower: "0.5", upper: "0.5"))
    }

    @Test("equities must be positive and name their field")
    func validation() {
        let c = #expect(throws: DomainError.self) { try sizer.recommend(copierEquity: 0, traderEquity: 1) }
        #expect(c?.field == "copierEquity")
        let t = #expect(throws: DomainError.self) { try sizer.recommend(copierEquity: 1, traderEquity: "-1") }
        #expect(t?.field == "traderEquity")
    }
}
