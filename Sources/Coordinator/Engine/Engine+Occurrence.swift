import CopyTradeCore
import CopyTradeProto

extension Engine {
    /// How far an input's `at_ms` may lie ahead of the time the coordinator received it: a
    /// client's clock may run a little fast, but an action cannot have occurred in the future
    /// (issue 10: `at_ms` Int64.max was accepted). One minute, the same span as the margin-sync
    /// lateness limit (SPEC §5; docs/decisions.md, "Coordinator").
    public static let maxOccurrenceLeadMs: Millis = 60_000

    /// Refuses an occurrence time before the epoch or more than ``maxOccurrenceLeadMs`` after
    /// the receive time, naming `at`, before anything is decided. A time far in the past is
    /// legitimate: a margin-sync signal that late is dropped as stale by the sync module
    /// (SPEC §5), it is not a refusal. 0 means "when received".
    func checkOccurrence(_ input: Copytrade_V1_Input) throws(DomainError) {
        let at: Int64
        switch input.kind {
        case .follow(let r): at = r.atMs
        case .unfollow(let r), .pause(let r), .resume(let r): at = r.atMs
        case .open(let r): at = r.atMs
        case .close(let r): at = r.atMs
        case .adjustMargin(let r): at = r.atMs
        case .placeOrder(let r): at = r.atMs
        case .cancelOrder(let r): at = r.atMs
        case .setMark(let r): at = r.atMs
        case .setAutoMargin(let r): at = r.atMs
        case .setRelation(let r): at = r.atMs
        case .setAccount(let r): at = r.atMs
        case .settle(let r): at = r.atMs
        case .createAccount, .deposit, .withdraw, .syncRelease, .setRollout, .shardMessage, nil: return
        }
        guard at >= 0 else {
            throw DomainError.invalid("at", "must not be before the epoch (1970-01-01T00:00:00Z), got \(at) ms")
        }
        let received = input.receivedMs
        guard at <= received || at - received <= Self.maxOccurrenceLeadMs else {
            throw DomainError.invalid("at", "must not be more than \(Self.maxOccurrenceLeadMs / 1000) s after the time the coordinator received the input (\(received) ms), got \(at) ms")
        }
    }
}
