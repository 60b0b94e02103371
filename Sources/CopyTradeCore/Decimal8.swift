/// An exact decimal with 8 fractional digits: a signed count of 1e-8 units in an `Int64`.
///
/// Money, prices, quantities and rates are all `Decimal8` (SPEC §1). Addition and
/// subtraction are exact and throw on overflow; multiplication and division go through
/// ``ExactDecimal`` (128-bit) and round once, with a named ``Rounding``.
/// On the wire a `Decimal8` is its `units` as protobuf `sint64 e8`.
public struct Decimal8: Sendable, Hashable, Comparable, Codable {
    /// The value times 10^8.
    public var units: Int64

    /// Decimal places carried.
    public static let places = 8
    /// 10^8 as an integer: the number of units in 1.
    public static let unitsPerOne: Int64 = 100_000_000

    @inlinable public init(units: Int64) { self.units = units }

    /// An integer value (`Decimal8(5)` is 5.00000000). Traps only for |value| > 92 billion,
    /// which no literal in this code base approaches; use ``init(exactly:)`` for inputs.
    @inlinable public init(_ integer: Int) {
        self.units = Int64(integer) * Self.unitsPerOne
    }

    /// An integer value, or an overflow error.
    public init(exactly integer: Int64) throws {
        let (v, o) = integer.multipliedReportingOverflow(by: Self.unitsPerOne)
        if o { throw DomainError.overflow("integer \(integer) as Decimal8") }
        self.units = v
    }

    public static let zero = Decimal8(units: 0)
    public static let one = Decimal8(units: unitsPerOne)
    public static let max = Decimal8(units: .max)
    public static let min = Decimal8(units: .min)
    /// The smallest positive step, 0.00000001.
    public static let ulp = Decimal8(units: 1)

    @inlinable public static func < (a: Decimal8, b: Decimal8) -> Bool { a.units < b.units }

    @inlinable public var isZero: Bool { units == 0 }
    @inlinable public var isPositive: Bool { units > 0 }
    @inlinable public var isNegative: Bool { units < 0 }
    @inlinable public var signum: Int { units > 0 ? 1 : (units < 0 ? -1 : 0) }

    /// The exact 128-bit form, for products and quotients.
    @inlinable public var exact: ExactDecimal { ExactDecimal(mantissa: Int128(units), scale: 8) }

    // MARK: Codable as a decimal string, so JSON files carry "18069.2" and never a float.

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = try Decimal8(parsing: s)
        } else {
            let i = try c.decode(Int64.self)
            self = try Decimal8(exactly: i)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

// MARK: - Exact addition and subtraction (throwing on overflow)

extension Decimal8 {
    @inlinable public static func + (a: Decimal8, b: Decimal8) throws(DomainError) -> Decimal8 {
        let (v, o) = a.units.addingReportingOverflow(b.units)
        if o { throw DomainError.overflow("\(a) + \(b)") }
        return Decimal8(units: v)
    }

    @inlinable public static func - (a: Decimal8, b: Decimal8) throws(DomainError) -> Decimal8 {
        let (v, o) = a.units.subtractingReportingOverflow(b.units)
        if o { throw DomainError.overflow("\(a) - \(b)") }
        return Decimal8(units: v)
    }

    @inlinable public static prefix func - (a: Decimal8) throws(DomainError) -> Decimal8 {
        if a.units == .min { throw DomainError.overflow("-\(a)") }
        return Decimal8(units: -a.units)
    }

    @inlinable public var magnitude: Decimal8 { Decimal8(units: units == .min ? .max : Swift.abs(units)) }

    /// `self * other`, rounded to 8 places.
    @inlinable public func multiplied(by other: Decimal8, rounding: Rounding) throws(DomainError) -> Decimal8 {
        try (exact * other.exact).rounded(rounding)
    }

    /// `self / other`, rounded to 8 places. Division by zero is an error.
    @inlinable public func divided(by other: Decimal8, rounding: Rounding) throws(DomainError) -> Decimal8 {
        try exact.divided(by: other.exact, rounding: rounding)
    }

    /// Rounds to a multiple of `increment` (a tick or step size > 0).
    @inlinable public func rounded(toMultipleOf increment: Decimal8, _ rounding: Rounding) throws(DomainError) -> Decimal8 {
        guard increment.units > 0 else { throw DomainError.invalid("increment", "must be greater than 0") }
        let n = rounding.divide(Int128(units), by: Int128(increment.units))
        let (v, o) = n.multipliedReportingOverflow(by: Int128(increment.units))
        guard !o, let r = Int64(exactly: v) else { throw DomainError.overflow("rounding \(self) to \(increment)") }
        return Decimal8(units: r)
    }

    /// True when `self` is an exact multiple of `increment`.
    @inlinable public func isMultiple(of increment: Decimal8) -> Bool {
        increment.units > 0 && units % increment.units == 0
    }

    @inlinable public static func minimum(_ a: Decimal8, _ b: Decimal8) -> Decimal8 { a < b ? a : b }
    @inlinable public static func maximum(_ a: Decimal8, _ b: Decimal8) -> Decimal8 { a < b ? b : a }
}
