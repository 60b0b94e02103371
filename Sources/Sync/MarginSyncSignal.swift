import CopyTradeCore

/// A trader's isolated-margin adjustment, shared by every copier of that position (SPEC §5).
public struct MarginSyncSignal: Sendable, Hashable {
    /// Unique id of the signal; breaks ties between signals of equal occurrence time.
    public var id: String
    /// The trader who adjusted margin.
    public var trader: AccountID
    /// The trader's position, passed through so the coordinator finds the copied positions.
    public var traderPosition: String
    /// The trader's isolated margin before the adjustment, `Mt` (> 0).
    public var traderMarginBefore: Decimal8
    /// Signed adjustment `D`: > 0 adds margin, < 0 removes it; never 0.
    public var delta: Decimal8
    /// When the trader's adjustment happened.
    public var occurredAt: Millis
    /// When the engine received the signal.
    public var receivedAt: Millis
    /// The trader's position margin mode; only isolated positions are synchronized.
    public var traderMarginMode: MarginMode
    /// The rollout decision for this trader at `occurredAt` (see ``RolloutPlan``).
    public var traderEligible: Bool

    public init(id: String, trader: AccountID, traderPosition: String, traderMarginBefore: Decimal8, delta: Decimal8,
                occurredAt: Millis, receivedAt: Millis, traderMarginMode: MarginMode = .isolated,
                traderEligible: Bool = true) {
        self.id = id
        self.trader = trader
        self.traderPosition = traderPosition
        self.traderMarginBefore = traderMarginBefore
        self.delta = delta
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.traderMarginMode = traderMarginMode
        self.traderEligible = traderEligible
    }

    /// Refuses a signal that cannot describe a real adjustment.
    public func validate() throws(DomainError) {
        guard traderMarginBefore.isPositive else {
            throw DomainError.invalid("signal.traderMarginBefore", "must be greater than 0, got \(traderMarginBefore)")
        }
        guard !delta.isZero else { throw DomainError.invalid("signal.delta", "must not be 0") }
        // A removal cannot take the trader's isolated margin to zero or below while the position is open.
        let after = try traderMarginBefore + delta
        guard after.isPositive else {
            throw DomainError.invalid("signal.delta", "must leave the trader's margin above 0, got \(delta) from \(traderMarginBefore)")
        }
    }
}
