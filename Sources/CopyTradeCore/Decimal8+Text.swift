/// Exact conversion between `Decimal8` and decimal text ("18069.2", "-0.00333333", "1e-8" is refused).
extension Decimal8: CustomStringConvertible, LosslessStringConvertible {
    /// Parses a plain decimal: optional sign, digits, optional point and at most 8 fractional
    /// digits. Anything else (exponents, spaces, a ninth decimal, overflow) is refused with a
    /// reason, never rounded silently.
    public init(parsing text: String, field: String = "value") throws(DomainError) {
        var utf8 = Substring(text).utf8[...]
        guard !utf8.isEmpty else { throw DomainError.invalid(field, "must be a decimal number, got an empty string") }
        var negative = false
        if let first = utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var intPart: Int64 = 0
        var fracPart: Int64 = 0
        var fracDigits = 0
        var sawDigit = false
        var sawPoint = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                if sawPoint { throw DomainError.invalid(field, "must be a decimal number, got \"\(text)\"") }
                sawPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw DomainError.invalid(field, "must be a decimal number, got \"\(text)\"")
            }
            sawDigit = true
            let digit = Int64(byte - UInt8(ascii: "0"))
            if sawPoint {
                fracDigits += 1
                if fracDigits > Decimal8.places {
                    if digit == 0 { fracDigits -= 1; continue }  // trailing zeros beyond 8 are exact
                    throw DomainError.invalid(field, "has more than 8 decimal places: \"\(text)\"")
                }
                fracPart = fracPart * 10 + digit
            } else {
                let (m, o1) = intPart.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(digit)
                if o1 || o2 { throw DomainError.invalid(field, "is out of range: \"\(text)\"") }
                intPart = a
            }
        }
        guard sawDigit else { throw DomainError.invalid(field, "must be a decimal number, got \"\(text)\"") }
        // A nonzero digit after 8 places was refused above; zeros past it must not shift the scale.
        var frac = fracPart
        for _ in Swift.min(fracDigits, Decimal8.places)..<Decimal8.places { frac *= 10 }
        let (scaled, o1) = intPart.multipliedReportingOverflow(by: Decimal8.unitsPerOne)
        let (total, o2) = scaled.addingReportingOverflow(frac)
        if o1 || o2 { throw DomainError.invalid(field, "is out of range: \"\(text)\"") }
        self.init(units: negative ? -total : total)
    }

    public init?(_ description: String) {
        guard let v = try? Decimal8(parsing: description) else { return nil }
        self = v
    }

    /// Shortest exact text: no trailing fractional zeros ("18069.2", "1000", "-0.5").
    public var description: String {
        format(minimumPlaces: 0)
    }

    /// Text with exactly 8 decimals ("18069.26360000"), for fixed-width output.
    public var fixed8: String { format(minimumPlaces: 8) }

    /// Text with at least `minimumPlaces` decimals, trailing zeros beyond them trimmed.
    public func format(minimumPlaces: Int) -> String {
        let negative = units < 0
        let mag = units.magnitude
        let intPart = mag / UInt64(Decimal8.unitsPerOne)
        var frac = mag % UInt64(Decimal8.unitsPerOne)
        var places = Decimal8.places
        while places > minimumPlaces && frac % 10 == 0 && places > 0 {
            frac /= 10
            places -= 1
        }
        var s = negative ? "-" : ""
        s += String(intPart)
        if places > 0 {
            let digits = String(frac)
            s += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        return s
    }
}

extension Decimal8: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}

extension Decimal8: ExpressibleByStringLiteral {
    /// For constants in code and tests only: a malformed literal is a programming error.
    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("bad Decimal8 literal \(value): \(error)") }
    }
}
