import CopyTradeCore

/// Decimals travel as `sint64` counts of 1e-8 (SPEC §1): the conversion is the identity on units.
extension Decimal8 {
    /// The wire form, `sint64 e8`.
    @inlinable public var e8: Int64 { units }
    /// From the wire form.
    @inlinable public init(e8: Int64) { self.init(units: e8) }
}
