/// An exact intermediate: a 128-bit mantissa with a decimal scale (value = mantissa / 10^scale).
///
/// Formulas such as the liquidation price multiply several 8-place values; doing that in
/// `ExactDecimal` keeps every digit until the one named rounding at the end
/// (``rounded(_:)`` or ``divided(by:rounding:)``). Overflow of the 128-bit mantissa is an error.
public struct ExactDecimal: Sendable, Hashable {
    public var mantissa: Int128
    /// Number of decimal places, 0...36.
    public var scale: Int

    @inlinable public init(mantissa: Int128, scale: Int) {
        self.mantissa = mantissa
        self.scale = scale
    }

    @inlinable public init(_ value: Decimal8) { self = value.exact }
    @inlinable public init(integer: Int) { self.init(mantissa: Int128(integer), scale: 0) }

    public static let zero = ExactDecimal(mantissa: 0, scale: 0)
    public static let one = ExactDecimal(mantissa: 1, scale: 0)

    @inlinable public var signum: Int { mantissa > 0 ? 1 : (mantissa < 0 ? -1 : 0) }
    @inlinable public var isZero: Bool { mantissa == 0 }

    @usableFromInline static let powers: [Int128] = {
        var p: [Int128] = [1]
        for _ in 1...38 { p.append(p.last! * 10) }
        return p
    }()

    @inlinable static func pow10(_ n: Int) -> Int128 { powers[n] }

    /// The same value at a larger scale, or an overflow error.
    @inlinable func rescaled(to newScale: Int) throws(DomainError) -> Int128 {
        if newScale == scale { return mantissa }
        guard newScale > scale, newScale <= 38 else { throw DomainError.overflow("rescaling to \(newScale) places") }
        let (v, o) = mantissa.multipliedReportingOverflow(by: Self.pow10(newScale - scale))
        if o { throw DomainError.overflow("rescaling to \(newScale) places") }
        return v
    }

    @inlinable public static func + (a: ExactDecimal, b: ExactDecimal) throws(DomainError) -> ExactDecimal {
        if let r = a.aligned(with: b, { $0.addingReportingOverflow($1) }) { return r }
        if let r = a.normalized.aligned(with: b.normalized, { $0.addingReportingOverflow($1) }) { return r }
        throw DomainError.overflow("exact addition")
    }

    @inlinable public static func - (a: ExactDecimal, b: ExactDecimal) throws(DomainError) -> ExactDecimal {
        if let r = a.aligned(with: b, { $0.subtractingReportingOverflow($1) }) { return r }
        if let r = a.normalized.aligned(with: b.normalized, { $0.subtractingReportingOverflow($1) }) { return r }
        throw DomainError.overflow("exact subtraction")
    }

    /// `op` on both values brought to the larger scale, or nil on overflow.
    @inlinable func aligned(with b: ExactDecimal, _ op: (Int128, Int128) -> (partialValue: Int128, overflow: Bool)) -> ExactDecimal? {
        let s = Swift.max(scale, b.scale)
        guard let x = try? rescaled(to: s), let y = try? b.rescaled(to: s) else { return nil }
        let (v, o) = op(x, y)
        return o ? nil : ExactDecimal(mantissa: v, scale: s)
    }

    /// The same value with trailing fractional zeros removed (smallest scale).
    @inlinable public var normalized: ExactDecimal {
        var (m, s) = (mantissa, scale)
        while s > 0 && m != 0 && m % 10 == 0 { m /= 10; s -= 1 }
        if m == 0 { s = 0 }
        return ExactDecimal(mantissa: m, scale: s)
    }

    @inlinable public static func * (a: ExactDecimal, b: ExactDecimal) throws(DomainError) -> ExactDecimal {
        // Fast path: most products fit as they are.
        let (direct, directOverflow) = a.mantissa.multipliedReportingOverflow(by: b.mantissa)
        if !directOverflow && a.scale + b.scale <= 38 { return ExactDecimal(mantissa: direct, scale: a.scale + b.scale) }
        // Slow path: the full 256-bit product, trailing zeros dropped, fits or is an overflow.
        return try wideProduct(a, b)
    }

    @inlinable public static prefix func - (a: ExactDecimal) -> ExactDecimal {
        ExactDecimal(mantissa: -a.mantissa, scale: a.scale)
    }

    /// Rounds to 8 places.
    @inlinable public func rounded(_ rounding: Rounding) throws(DomainError) -> Decimal8 {
        try rounded(places: 8, rounding)
    }

    /// Rounds to `places` (≤ 8) decimal places and returns it as a `Decimal8`.
    @inlinable public func rounded(places: Int, _ rounding: Rounding) throws(DomainError) -> Decimal8 {
        var m: Int128
        if scale > places {
            m = rounding.divide(mantissa, by: Self.pow10(scale - places))
        } else {
            m = try rescaled(to: places)
        }
        if places < 8 {
            let (v, o) = m.multipliedReportingOverflow(by: Self.pow10(8 - places))
            if o { throw DomainError.overflow("rounding") }
            m = v
        }
        guard let u = Int64(exactly: m) else { throw DomainError.overflow("result out of Decimal8 range") }
        return Decimal8(units: u)
    }

    /// `self / divisor`, rounded once to 8 places.
    @inlinable public func divided(by divisor: ExactDecimal, rounding: Rounding) throws(DomainError) -> Decimal8 {
        guard divisor.mantissa != 0 else { throw DomainError.invalid("divisor", "must not be zero") }
        // result units = (a.m / 10^a.s) / (b.m / 10^b.s) * 10^8 = a.m * 10^(8 + b.s - a.s) / b.m
        var num = mantissa
        var den = divisor.mantissa
        let shift = 8 + divisor.scale - scale
        var fits = true
        if shift >= 0 {
            if shift <= 38 {
                let (v, o) = num.multipliedReportingOverflow(by: Self.pow10(shift))
                num = v
                fits = !o
            } else {
                fits = false
            }
        } else if -shift <= 38 {
            let (v, o) = den.multipliedReportingOverflow(by: Self.pow10(-shift))
            den = v
            fits = !o
        } else {
            fits = false
        }
        // Slow path: a 256-bit numerator and divisor, so only a quotient beyond Decimal8 overflows.
        guard fits else { return try Self.wideQuotient(self, divisor, increment: 1, rounding: rounding) }
        if den < 0 { num = -num; den = -den }
        let q = rounding.divide(num, by: den)
        guard let u = Int64(exactly: q) else { throw DomainError.overflow("quotient out of Decimal8 range") }
        return Decimal8(units: u)
    }

    /// `self / divisor`, rounded once straight to a multiple of `increment` (a tick): never via
    /// 8 places first, which could round the other way (18069.19999999999 → 18069.2 → tick 18069.2,
    /// where one rounding down to the tick gives 18069.1).
    public func divided(by divisor: ExactDecimal, toMultipleOf increment: Decimal8, rounding: Rounding) throws(DomainError) -> Decimal8 {
        guard divisor.mantissa != 0 else { throw DomainError.invalid("divisor", "must not be zero") }
        guard increment.isPositive else { throw DomainError.invalid("increment", "must be greater than 0") }
        return try Self.wideQuotient(self, divisor, increment: UInt128(increment.units), rounding: rounding)
    }

    /// `self` rounded once to a multiple of `increment` (a tick or step).
    public func rounded(toMultipleOf increment: Decimal8, _ rounding: Rounding) throws(DomainError) -> Decimal8 {
        try divided(by: .one, toMultipleOf: increment, rounding: rounding)
    }

    /// Compares two exact values without rounding.
    /// Never overflows: when the difference does not fit 128 bits, the values are compared in 256.
    public static func compare(_ a: ExactDecimal, _ b: ExactDecimal) throws(DomainError) -> Int {
        if let d = a.aligned(with: b, { $0.subtractingReportingOverflow($1) }) { return d.signum }
        return WideDecimal(a).compare(WideDecimal(b))
    }
}
