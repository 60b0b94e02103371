import CopyTradeCore

/// One copier's position copied from the signal's trader position, as of execution time.
public struct CopierMarginState: Sendable, Hashable {
    /// The copier.
    public var copier: AccountID
    /// The copier's copied position, passed through for the coordinator.
    public var position: String
    /// The position's isolated margin `Mc` at execution time.
    public var positionMargin: Decimal8
    /// The copier's copy-trading available balance, which pays an addition.
    public var availableBalance: Decimal8
    /// The position's maximum reducible margin now (SPEC §3), which bounds a reduction.
    public var maxReducible: Decimal8
    /// When the copy relation was established; earlier adjustments are out of scope.
    public var relationEstablishedAt: Millis
    /// The copier position's margin mode.
    public var marginMode: MarginMode

    public init(copier: AccountID, position: String, positionMargin: Decimal8, availableBalance: Decimal8,
                maxReducible: Decimal8, relationEstablishedAt: Millis, marginMode: MarginMode = .isolated) {
        self.copier = copier
        self.position = position
        self.positionMargin = positionMargin
        self.availableBalance = availableBalance
        self.maxReducible = maxReducible
        self.relationEstablishedAt = relationEstablishedAt
        self.marginMode = marginMode
    }

    /// Refuses negative amounts; fields are prefixed `copier.`.
    public func validate() throws(DomainError) {
        guard !positionMargin.isNegative else {
            throw DomainError.invalid("copier.positionMargin", "must not be negative, got \(positionMargin)")
        }
        guard !availableBalance.isNegative else {
            throw DomainError.invalid("copier.availableBalance", "must not be negative, got \(availableBalance)")
        }
        guard !maxReducible.isNegative else {
            throw DomainError.invalid("copier.maxReducible", "must not be negative, got \(maxReducible)")
        }
    }
}
