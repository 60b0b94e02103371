import TestSupport
import Testing
@testable import CopyTradeCore

@Suite("Decimal8 text")
struct Decimal8TextTests {
    @Test(arguments: [
        ("0", Int64(0)), ("1", 100_000_000), ("-1", -100_000_000), ("18069.2", 1_806_920_000_000),
        ("0.00333333", 333_333), ("0.00000001", 1), ("+2.5", 250_000_000), ("12.", 1_200_000_000),
        (".5", 50_000_000), ("1.000000000000", 100_000_000), ("92233720368.54775807", Int64.max),
    ])
    func parses(text: String, units: Int64) throws {
        #expect(try Decimal8(parsing: text).units == units)
    }

    @Test(arguments: ["", "-", ".", "1.2.3", "1e5", " 1", "1,5", "abc", "0x10", "--1"])
    func refusesMalformed(text: String) {
        #expect(throws: DomainError.self) { try Decimal8(parsing: text, field: "price") }
        do { _ = try Decimal8(parsing: text, field: "price") } catch {
            #expect(error.field == "price")
            #expect(error.message.contains("decimal number"))
        }
    }

    @Test func refusesNinthDecimal() {
        do {
            _ = try Decimal8(parsing: "0.000000001", field: "qty")
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "qty")
            #expect(error.message.contains("more than 8 decimal places"))
        }
    }

    @Test func refusesOverflow() {
        #expect(throws: DomainError.self) { try Decimal8(parsing: "92233720368.54775808") }
        #expect(throws: DomainError.self) { try Decimal8(parsing: "1000000000000") }
    }

    @Test(arguments: [
        (Int64(0), "0", "0.00000000"), (1_806_920_000_000, "18069.2", "18069.20000000"),
        (-50_000_000, "-0.5", "-0.50000000"), (1, "0.00000001", "0.00000001"), (100_000_000_000, "1000", "1000.00000000"),
    ])
    func formats(units: Int64, short: String, fixed: String) {
        let d = Decimal8(units: units)
        #expect(d.description == short)
        #expect(d.fixed8 == fixed)
        #expect(Decimal8(short) == d)
    }
}

@Suite("Decimal8 arithmetic")
struct Decimal8ArithmeticTests {
    @Test func addsAndSubtractsExactly() throws {
        let a: Decimal8 = "0.1", b: Decimal8 = "0.2"
        #expect(try a + b == "0.3")
        #expect(try a - b == "-0.1")
    }

    @Test func overflowIsAnErrorNotAWrap() {
        #expect(throws: DomainError.self) { try Decimal8.max + .ulp }
        #expect(throws: DomainError.self) { try Decimal8.min - .ulp }
        #expect(throws: DomainError.self) { try -Decimal8.min }
        #expect(throws: DomainError.self) { try Decimal8.max.multiplied(by: 2, rounding: .down) }
    }

    @Test(arguments: [
        // value, rounding, result of dividing by 3
        ("1", Rounding.down, "0.33333333"), ("1", .up, "0.33333334"), ("2", .halfEven, "0.66666667"),
        ("-1", .down, "-0.33333334"), ("-1", .up, "-0.33333333"), ("-1", .towardZero, "-0.33333333"),
        ("-1", .awayFromZero, "-0.33333334"),
    ])
    func dividesWithNamedRounding(value: String, rounding: Rounding, expected: String) throws {
        let v = try Decimal8(parsing: value)
        #expect(try v.divided(by: 3, rounding: rounding) == Decimal8(parsing: expected))
    }

    @Test func halfEvenTiesGoToEven() throws {
        // 0.000000025 -> 0.00000002, 0.000000035 -> 0.00000004
        let half = ExactDecimal(mantissa: 25, scale: 9)
        #expect(try half.rounded(.halfEven) == Decimal8(units: 2))
        #expect(try ExactDecimal(mantissa: 35, scale: 9).rounded(.halfEven) == Decimal8(units: 4))
        #expect(try ExactDecimal(mantissa: -25, scale: 9).rounded(.halfEven) == Decimal8(units: -2))
        #expect(try ExactDecimal(mantissa: 26, scale: 9).rounded(.halfEven) == Decimal8(units: 3))
    }

    @Test func divisionByZeroNamesTheRule() {
        do {
            _ = try Decimal8.one.divided(by: .zero, rounding: .down)
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "divisor")
        }
    }

    @Test(arguments: [
        ("18069.26360000", "0.1", Rounding.down, "18069.2"), ("18069.21", "0.1", .up, "18069.3"),
        ("0.49502487", "0.0001", .down, "0.495"), ("-1.05", "0.1", .down, "-1.1"), ("-1.05", "0.1", .towardZero, "-1"),
        ("1.25", "0.1", .halfEven, "1.2"), ("1.35", "0.1", .halfEven, "1.4"),
    ])
    func roundsToIncrements(value: String, step: String, rounding: Rounding, expected: String) throws {
        let v = try Decimal8(parsing: value)
        #expect(try v.rounded(toMultipleOf: Decimal8(parsing: step), rounding) == Decimal8(parsing: expected))
    }

    @Test func exactFormulaRoundsOnce() throws {
        // SPEC §3 long liquidation price: (q*E - M - cum) / (q*(1 - mmr - f)), BTCUSDT, margin 1000.
        let q: Decimal8 = "0.5", e: Decimal8 = "20000", m: Decimal8 = "1000"
        let mmr: Decimal8 = "0.00333333", f: Decimal8 = "0.0005"
        let num = try q.exact * e.exact - m.exact
        let den = try q.exact * (ExactDecimal.one - mmr.exact - f.exact)
        let lp = try num.divided(by: den, rounding: .halfEven)
        #expect(try lp.rounded(toMultipleOf: "0.1", .down) == "18069.2")
    }
}

@Suite("Decimal8 properties")
struct Decimal8PropertyTests {
    @Test func textRoundTripsForRandomValues() throws {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let d = Decimal8(units: Int64(bitPattern: rng.next()) >> Int64(rng.next() % 40))
            #expect(try Decimal8(parsing: d.description) == d)
            #expect(try Decimal8(parsing: d.fixed8) == d)
        }
    }

    @Test func divisionRoundingBracketsTheExactQuotient() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            let a = Decimal8(units: Int64(rng.next() % 1_000_000_000_000) - 500_000_000_000)
            let b = Decimal8(units: Int64(rng.next() % 10_000_000_000) + 1)
            let lo = try a.divided(by: b, rounding: .down)
            let hi = try a.divided(by: b, rounding: .up)
            #expect(hi.units - lo.units <= 1)
            // lo * b <= a <= hi * b, checked exactly.
            #expect(try ExactDecimal.compare(lo.exact * b.exact, a.exact) <= 0)
            #expect(try ExactDecimal.compare(hi.exact * b.exact, a.exact) >= 0)
            let tz = try a.divided(by: b, rounding: .towardZero)
            #expect(tz.magnitude <= (try a.divided(by: b, rounding: .awayFromZero)).magnitude)
        }
    }
}
