/// How an exact value is brought to fewer decimal places. Every rounding step in the
/// domain names one of these, so no result depends on an implicit default.
public enum Rounding: String, Sendable, CaseIterable, Codable {
    /// Toward negative infinity (floor).
    case down
    /// Toward positive infinity (ceiling).
    case up
    /// Toward zero (truncation): used where a result must never exceed its exact value in size.
    case towardZero
    /// Away from zero.
    case awayFromZero
    /// To nearest, ties to the even neighbour (banker's rounding).
    case halfEven
}

extension Rounding {
    /// Divides `numerator` by a positive `divisor` and rounds the quotient.
    /// Both are 128-bit; the caller guarantees `divisor > 0`.
    @inlinable
    func divide(_ numerator: Int128, by divisor: Int128) -> Int128 {
        let q = numerator / divisor          // truncates toward zero
        let r = numerator % divisor          // same sign as numerator
        if r == 0 { return q }
        switch self {
        case .towardZero:
            return q
        case .awayFromZero:
            return numerator < 0 ? q - 1 : q + 1
        case .down:
            return numerator < 0 ? q - 1 : q
        case .up:
            return numerator < 0 ? q : q + 1
        case .halfEven:
            let twice = r.magnitude * 2
            let d = divisor.magnitude
            let awayStep: Int128 = numerator < 0 ? -1 : 1
            if twice > d { return q + awayStep }
            if twice < d { return q }
            return q % 2 == 0 ? q : q + awayStep
        }
    }
}
