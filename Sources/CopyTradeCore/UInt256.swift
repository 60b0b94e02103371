/// A 256-bit unsigned integer with just the operations ``ExactDecimal``'s slow path needs.
///
/// Two 128-bit factors always fit in 256 bits, so a product or a quotient whose intermediate
/// outgrows `Int128` (a liquidation price of a large position: notional × rate × price) is
/// still computed exactly, and only a *result* that does not fit is an overflow.
@usableFromInline
struct UInt256: Comparable, Sendable {
    var high: UInt128
    var low: UInt128

    init(high: UInt128, low: UInt128) {
        self.high = high
        self.low = low
    }

    init(_ value: UInt128) { self.init(high: 0, low: value) }

    static let zero = UInt256(0)

    /// The full product of two 128-bit magnitudes.
    static func product(_ a: UInt128, _ b: UInt128) -> UInt256 {
        let (h, l) = a.multipliedFullWidth(by: b)
        return UInt256(high: h, low: l)
    }

    var isZero: Bool { high == 0 && low == 0 }

    /// The value as 128 bits, nil when it does not fit.
    var narrowed: UInt128? { high == 0 ? low : nil }

    @usableFromInline static func < (a: UInt256, b: UInt256) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// `self * m`, nil when the product needs more than 256 bits.
    func multiplied(by m: UInt128) -> UInt256? {
        let (lh, ll) = low.multipliedFullWidth(by: m)
        let (hh, hl) = high.multipliedFullWidth(by: m)
        guard hh == 0 else { return nil }
        let (h, o) = hl.addingReportingOverflow(lh)
        return o ? nil : UInt256(high: h, low: ll)
    }

    /// `self * 10^n`, nil when it needs more than 256 bits.
    func timesPowerOfTen(_ n: Int) -> UInt256? {
        var v: UInt256? = self
        var left = n
        while left > 0, let current = v {
            let step = Swift.min(left, 38)
            v = current.multiplied(by: UInt128(ExactDecimal.pow10(step)))
            left -= step
        }
        return v
    }

    /// `self + b`, wrapping (callers add only what fits).
    func adding(_ b: UInt256) -> UInt256 {
        let (l, c) = low.addingReportingOverflow(b.low)
        return UInt256(high: high &+ b.high &+ (c ? 1 : 0), low: l)
    }

    /// `self - b`, wrapping (callers subtract only what is smaller).
    func subtracting(_ b: UInt256) -> UInt256 {
        let (l, borrow) = low.subtractingReportingOverflow(b.low)
        return UInt256(high: high &- b.high &- (borrow ? 1 : 0), low: l)
    }

    /// `self << 1` and the bit shifted out.
    func doubled() -> (value: UInt256, carry: Bool) {
        (UInt256(high: (high << 1) | (low >> 127), low: low << 1), high >> 127 == 1)
    }

    /// Quotient and remainder by a 128-bit divisor `d > 0` (two hardware-width steps).
    func quotientAndRemainder(dividingBy d: UInt128) -> (quotient: UInt256, remainder: UInt128) {
        let (qh, rh) = high.quotientAndRemainder(dividingBy: d)
        let (ql, r) = d.dividingFullWidth((high: rh, low: low))
        return (UInt256(high: qh, low: ql), r)
    }

    /// Quotient and remainder by `d > 0`: the 128-bit steps when `d` fits, else shift-and-subtract.
    func quotientAndRemainder(dividingBy d: UInt256) -> (quotient: UInt256, remainder: UInt256) {
        if let small = d.narrowed {
            let (q, r) = quotientAndRemainder(dividingBy: small)
            return (q, UInt256(r))
        }
        if self < d { return (.zero, self) }
        var q = UInt256.zero
        var r = UInt256.zero
        for bit in stride(from: 255, through: 0, by: -1) {
            let (shifted, carry) = r.doubled()
            let incoming: UInt128 = bit >= 128 ? (high >> UInt128(bit - 128)) & 1 : (low >> UInt128(bit)) & 1
            r = UInt256(high: shifted.high, low: shifted.low | incoming)
            q = q.doubled().value
            if carry || !(r < d) {
                r = r.subtracting(d)
                q = UInt256(high: q.high, low: q.low | 1)
            }
        }
        return (q, r)
    }
}

/// Rounding of a quotient of magnitudes, with the sign of the exact value given separately.
extension Rounding {
    /// `±(n / d)` rounded to an integer and returned as a magnitude (`d > 0`). `dTooLarge` says
    /// that the true divisor exceeds 256 bits (so the quotient is 0 and `n` is under half of it).
    func roundedMagnitude(_ n: UInt256, _ d: UInt256, negative: Bool, dTooLarge: Bool = false) -> UInt256 {
        let (q, r) = dTooLarge ? (UInt256.zero, n) : n.quotientAndRemainder(dividingBy: d)
        if r.isZero { return q }
        let away: Bool
        switch self {
        case .towardZero: away = false
        case .awayFromZero: away = true
        case .down: away = negative
        case .up: away = !negative
        case .halfEven:
            if dTooLarge {
                away = false
            } else {
                let (twice, carry) = r.doubled()
                if carry || d < twice { away = true } else if twice < d { away = false } else { away = q.low & 1 == 1 }
            }
        }
        return away ? q.adding(UInt256(1)) : q
    }
}
