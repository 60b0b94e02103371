import CopyTradeCore

/// How a copier sizes each copied order (SPEC §4).
public enum CopyMode: Sendable, Hashable {
    /// Copy `multiplier` times the trader's open value `V = F * Qt`.
    case proportional(multiplier: Decimal8)
    /// Commit the same margin `B` to every copied order, whatever the trader's size.
    case fixedMargin(Decimal8)
}

/// The inclusive range a proportional multiplier must lie in; SPEC's default is 0.01...10.
public struct MultiplierBounds: Sendable, Hashable {
    /// Smallest allowed multiplier (inclusive, > 0).
    public let minimum: Decimal8
    /// Largest allowed multiplier (inclusive, ≥ minimum).
    public let maximum: Decimal8

    /// SPEC §4 default bounds, 0.01 to 10.
    public static let standard = MultiplierBounds(uncheckedMinimum: Decimal8(units: 1_000_000), maximum: Decimal8(10))

    /// Validated bounds: `minimum > 0` and `minimum ≤ maximum`.
    public init(minimum: Decimal8, maximum: Decimal8) throws(DomainError) {
        guard minimum.isPositive else { throw DomainError.invalid("multiplierBounds.minimum", "must be greater than 0") }
        guard maximum >= minimum else {
            throw DomainError.invalid("multiplierBounds.maximum", "must be at least the minimum \(minimum)")
        }
        self.minimum = minimum
        self.maximum = maximum
    }

    private init(uncheckedMinimum: Decimal8, maximum: Decimal8) {
        self.minimum = uncheckedMinimum
        self.maximum = maximum
    }

    /// True when `multiplier` is inside the bounds, ends included.
    @inlinable public func contains(_ multiplier: Decimal8) -> Bool {
        multiplier >= minimum && multiplier <= maximum
    }

    /// The nearest value inside the bounds.
    @inlinable public func clamp(_ multiplier: Decimal8) -> Decimal8 {
        Decimal8.minimum(Decimal8.maximum(multiplier, minimum), maximum)
    }
}

/// The multiplier range shown to a copier before following a trader (SPEC §4).
public struct MultiplierRange: Sendable, Hashable {
    /// `0.5 * Ec/Et`, rounded down to 1e-8, clamped to the bounds.
    public var lower: Decimal8
    /// `1.0 * Ec/Et`, rounded down to 1e-8, clamped to the bounds.
    public var upper: Decimal8

    public init(lower: Decimal8, upper: Decimal8) {
        self.lower = lower
        self.upper = upper
    }
}
