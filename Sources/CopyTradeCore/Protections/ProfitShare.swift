/// One relation's profit-share settlement (docs/protections.md), with a high-water mark:
/// `due = max(0, N*r rounded down to 1e-8 - shared)`, `paid = min(due, available)`, and
/// `shared` grows by `paid`. Losses are never refunded and a profit already shared on is never
/// shared again; what could not be paid stays due for the next settlement.
public struct ProfitShareSettlement: Sendable, Hashable {
    /// What the settlement owed.
    public var due: Decimal8
    /// What it paid (at most the copier's available balance).
    public var paid: Decimal8
    /// The relation's `shared` after the payment.
    public var shared: Decimal8

    /// True when less than was due could be paid.
    public var isShort: Bool { paid < due }

    /// Settles a relation whose cumulative net profit is `net` (realized PnL of its closed
    /// copies minus all their fees), at ratio `ratio` (0 to 0.5), with `shared` already paid and
    /// `available` the copier's available balance.
    public static func settle(net: Decimal8, ratio: Decimal8, shared: Decimal8, available: Decimal8) throws(DomainError) -> ProfitShareSettlement {
        guard !ratio.isNegative, ratio <= maximumRatio else {
            throw DomainError.invalid("profitShareRatio", "must be between 0 and \(maximumRatio), got \(ratio)")
        }
        guard !shared.isNegative else { throw DomainError.invalid("shared", "must not be negative") }
        let share = try (net.exact * ratio.exact).rounded(.down)
        // Compared before subtracting: a large loss against a large `shared` owes nothing, and
        // `share - shared` could then fall below the Decimal8 range (an overflow, not a 0).
        let due = share > shared ? try share - shared : .zero
        let paid = Decimal8.minimum(due, Decimal8.maximum(.zero, available))
        return ProfitShareSettlement(due: due, paid: paid, shared: try shared + paid)
    }

    /// The highest ratio a trader may set (SPEC §9: 0 to 0.5).
    public static let maximumRatio = Decimal8(units: Decimal8.unitsPerOne / 2)
}
