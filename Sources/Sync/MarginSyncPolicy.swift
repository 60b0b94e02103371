import CopyTradeCore

/// Decides how one copier's position follows a trader's margin adjustment: the swappable part of SPEC §5.
public protocol MarginSyncPolicy: Sendable {
    /// The decision for one copier; bad input throws a ``DomainError`` naming the field.
    func decide(_ signal: MarginSyncSignal, _ copier: CopierMarginState) throws(DomainError) -> SyncDecision
}

extension MarginSyncPolicy {
    /// Decisions for every copier of one signal, in input order; the only allocation is the output.
    /// A bad copier row fails the batch with the field named `copiers[i].…`.
    public func decideAll(_ signal: MarginSyncSignal, _ copiers: [CopierMarginState]) throws(DomainError) -> [SyncDecision] {
        try signal.validate()
        var decisions: [SyncDecision] = []
        decisions.reserveCapacity(copiers.count)
        for index in copiers.indices {
            do {
                decisions.append(try decide(signal, copiers[index]))
            } catch {
                var named = error
                if named.field.hasPrefix("copier.") {
                    named.field = "copiers[\(index)]." + named.field.dropFirst("copier.".count)
                }
                throw named
            }
        }
        return decisions
    }
}
