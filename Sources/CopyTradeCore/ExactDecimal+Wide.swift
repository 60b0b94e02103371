/// The slow path of ``ExactDecimal``: when an intermediate outgrows 128 bits it is carried in
/// 256, so the order of operations in a formula cannot turn a result that fits into an overflow
/// (SPEC §1: overflow is an error, but only of a result).
@usableFromInline
struct WideDecimal: Sendable {
    var negative: Bool
    var magnitude: UInt256
    var scale: Int

    init(negative: Bool, magnitude: UInt256, scale: Int) {
        self.negative = negative && !magnitude.isZero
        self.magnitude = magnitude
        self.scale = scale
    }

    init(_ x: ExactDecimal) {
        self.init(negative: x.mantissa < 0, magnitude: UInt256(x.mantissa.magnitude), scale: x.scale)
    }

    /// The exact product (two 128-bit mantissas always fit in 256 bits).
    init(product a: ExactDecimal, _ b: ExactDecimal) {
        self.init(negative: (a.mantissa < 0) != (b.mantissa < 0),
                  magnitude: .product(a.mantissa.magnitude, b.mantissa.magnitude), scale: a.scale + b.scale)
    }

    var signum: Int { magnitude.isZero ? 0 : (negative ? -1 : 1) }

    /// Sign of `self - other`, exactly. A magnitude that outgrows 256 bits when brought to the
    /// other's scale is larger than any 256-bit one, so the comparison is always decided.
    func compare(_ other: WideDecimal) -> Int {
        if signum != other.signum { return signum < other.signum ? -1 : 1 }
        if signum == 0 { return 0 }
        let s = Swift.max(scale, other.scale)
        let x = magnitude.timesPowerOfTen(s - scale)
        let y = other.magnitude.timesPowerOfTen(s - other.scale)
        let magnitudeOrder: Int
        switch (x, y) {
        case let (x?, y?): magnitudeOrder = x < y ? -1 : (y < x ? 1 : 0)
        case (nil, _): magnitudeOrder = 1
        case (_, nil): magnitudeOrder = -1
        }
        return negative ? -magnitudeOrder : magnitudeOrder
    }

    /// The same value as an `ExactDecimal`, trailing zeros dropped until it fits; nil when no
    /// exact 128-bit form exists.
    var narrowed: ExactDecimal? {
        var m = magnitude
        var s = scale
        while s > 0, !m.isZero {
            if s <= 38, let small = m.narrowed, small <= UInt128(Int128.max) { break }
            let (q, r) = m.quotientAndRemainder(dividingBy: UInt128(10))
            guard r == 0 else { break }
            m = q
            s -= 1
        }
        if m.isZero { return .zero }
        guard s <= 38, let small = m.narrowed, small <= UInt128(Int128.max) else { return nil }
        return ExactDecimal(mantissa: negative ? -Int128(small) : Int128(small), scale: s)
    }
}

extension ExactDecimal {
    /// `a * b` when the 128-bit product overflowed: exact in 256 bits, then narrowed.
    @usableFromInline
    static func wideProduct(_ a: ExactDecimal, _ b: ExactDecimal) throws(DomainError) -> ExactDecimal {
        guard let r = WideDecimal(product: a, b).narrowed else { throw DomainError.overflow("exact multiplication") }
        return r
    }

    /// `a / b` rounded once to a multiple of `increment` units of 1e-8 (1: to 8 places), with a
    /// 256-bit numerator and divisor: `a.m * 10^(8 + b.s - a.s) / (b.m * increment)`.
    @usableFromInline
    static func wideQuotient(_ a: ExactDecimal, _ b: ExactDecimal, increment: UInt128,
                             rounding: Rounding) throws(DomainError) -> Decimal8 {
        let shift = 8 + b.scale - a.scale
        var n = UInt256(a.mantissa.magnitude)
        var d = UInt256.product(b.mantissa.magnitude, increment)
        var dTooLarge = false
        if shift >= 0 {
            guard let v = n.timesPowerOfTen(shift) else { throw DomainError.overflow("quotient out of Decimal8 range") }
            n = v
        } else if let v = d.timesPowerOfTen(-shift) {
            d = v
        } else {
            dTooLarge = true   // the divisor exceeds 256 bits: the quotient is below one unit
        }
        let negative = (a.mantissa < 0) != (b.mantissa < 0)
        let units = rounding.roundedMagnitude(n, d, negative: negative, dTooLarge: dTooLarge)
        guard let steps = units.narrowed, let scaled = UInt256(steps).multiplied(by: increment)?.narrowed,
              scaled <= UInt128(Int64.max) else {
            throw DomainError.overflow("quotient out of Decimal8 range")
        }
        let value = Int64(scaled)
        return Decimal8(units: negative ? -value : value)
    }

    /// Sign of `a*b - c*d`, exactly, whatever the size of the products.
    public static func compareProducts(_ a: ExactDecimal, _ b: ExactDecimal, _ c: ExactDecimal, _ d: ExactDecimal) -> Int {
        WideDecimal(product: a, b).compare(WideDecimal(product: c, d))
    }
}
