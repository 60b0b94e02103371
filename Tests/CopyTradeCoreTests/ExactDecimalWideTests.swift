import CopyTradeCore
import Testing

/// Issue 9: intermediates that outgrow 128 bits are carried in 256, so only a result that does
/// not fit is an overflow; and a tick price is rounded once, straight from the exact quotient.
@Suite("ExactDecimal: wide intermediates and one rounding")
struct ExactDecimalWideTests {
    func exact(_ text: String) throws -> ExactDecimal { try Decimal8(parsing: text).exact }

    /// 36,138,399.99999999 / 2,000 = 18,069.19999999999...: half-even to 8 places gives
    /// 18,069.2, which the tick would keep; rounded down once to the tick it is 18,069.1.
    @Test func tickRoundingIsFromTheExactQuotient() throws {
        let numerator = try exact("36138399.99999998")
        let denominator = try exact("2000")
        #expect(try numerator.divided(by: denominator, rounding: .halfEven) == "18069.2")
        #expect(try numerator.divided(by: denominator, toMultipleOf: "0.1", rounding: .down) == "18069.1")
        #expect(try numerator.divided(by: denominator, toMultipleOf: "0.1", rounding: .up) == "18069.2")
        #expect(try numerator.divided(by: denominator, toMultipleOf: "0.1", rounding: .halfEven) == "18069.2")
        #expect(try (-numerator).divided(by: denominator, toMultipleOf: "0.1", rounding: .down) == "-18069.2")
        #expect(try (-numerator).divided(by: denominator, toMultipleOf: "0.1", rounding: .up) == "-18069.1")
        // DOGEUSDT's worst prices F*(1±k) = 0.12979*1.0399 and 0.12979*0.9601, to the tick.
        #expect(try ExactDecimal(mantissa: 134_968_621, scale: 9).rounded(toMultipleOf: "0.00001", .down) == "0.13496")
        #expect(try ExactDecimal(mantissa: 124_611_379, scale: 9).rounded(toMultipleOf: "0.00001", .up) == "0.12462")
    }

    /// 9e9 (mantissa 9e37) times 9e-8 overflows the 128-bit mantissa, but the product is 810
    /// and fits once its trailing zeros are dropped.
    @Test func productNarrowsWhenItFits() throws {
        let big = ExactDecimal(mantissa: Int128(9_000_000_000_000_000_000) * 10_000_000_000_000_000_000, scale: 28)  // 9e9
        let small = try exact("0.00000009")
        let product = try big * small
        #expect(try product.rounded(.halfEven) == "810")
        // A product that cannot fit in any scale is still an overflow.
        let huge = ExactDecimal(mantissa: Int128.max / 3, scale: 0)
        #expect(throws: DomainError.self) { try huge * huge }
    }

    /// The numerator times 10^shift overflows 128 bits; the quotient fits.
    @Test func quotientWithAWideNumerator() throws {
        let numerator = ExactDecimal(mantissa: Int128(123_456_789_012_345_678) * 1_000_000_000_000_000_000, scale: 8)  // 1.2e36 / 1e8
        let denominator = ExactDecimal(mantissa: Int128(1_000_000_000_000_000_000) * 100_000_000_000_000, scale: 8)   // 1e32 / 1e8
        #expect(try numerator.divided(by: denominator, rounding: .down) == "1234.56789012")
        #expect(try numerator.divided(by: denominator, rounding: .up) == "1234.56789013")
        #expect(try numerator.divided(by: -denominator, rounding: .down) == "-1234.56789013")
        #expect(throws: DomainError.self) { try numerator.divided(by: ExactDecimal(mantissa: 1, scale: 8), rounding: .down) }
    }

    @Test func comparisonNeverOverflows() throws {
        let a = ExactDecimal(mantissa: Int128.max, scale: 0)
        let b = ExactDecimal(mantissa: 1, scale: 38)
        #expect(try ExactDecimal.compare(a, b) == 1)
        #expect(try ExactDecimal.compare(b, a) == -1)
        #expect(try ExactDecimal.compare(-a, b) == -1)
        let c = ExactDecimal(mantissa: Int128.max - 1, scale: 0)
        #expect(try ExactDecimal.compare(a, c) == 1)
    }

    /// Products of two 128-bit values compared exactly: a*b - c*d.
    @Test func productsCompareExactly() throws {
        let big = ExactDecimal(mantissa: Int128.max / 2, scale: 16)
        #expect(ExactDecimal.compareProducts(big, big, big, big) == 0)
        #expect(ExactDecimal.compareProducts(big, big, big, ExactDecimal(mantissa: Int128.max / 2 - 1, scale: 16)) == 1)
        #expect(ExactDecimal.compareProducts(big, -big, .one, .one) == -1)
        #expect(ExactDecimal.compareProducts(big, ExactDecimal(mantissa: 1, scale: 30), big, ExactDecimal(mantissa: 1, scale: 31)) == 1)
    }
}
