import CopyTradeCore
import CopyTradeProto
import Foundation

/// The rules for idempotency keys (docs/decisions.md, "Idempotency").
///
/// A key names one request: its replay is answered with the recorded outcome, and the same key
/// with any other request is refused. Clients choose keys within a bounded size and alphabet;
/// the prefixes of keys the coordinator makes itself (`auto-`, `sync-release:`, `msg:`, `settle-schedule:`) are reserved,
/// so no client can take a key ahead of the coordinator and turn its input into a "duplicate".
enum IdempotencyKey {
    /// Longest client key, in bytes: keys are stored with every journal entry.
    static let maxLength = 128
    static let reservedPrefixes = ["auto-", "sync-release:", messagePrefix, schedulePrefix]
    /// Keys of the coordinator's scheduled profit-share settlements: `settle-schedule:DUE_MS`.
    static let schedulePrefix = "settle-schedule:"
    /// Keys of applied cross-shard messages: `msg:SOURCE:SEQUENCE:INDEX` (docs/sharding.md).
    static let messagePrefix = "msg:"

    /// A key the coordinator made for an input of its own (a release, an applied message):
    /// never subject to the client-key rules.
    static func isInternal(_ key: String) -> Bool {
        key.hasPrefix("sync-release:") || key.hasPrefix(messagePrefix) || key.hasPrefix(schedulePrefix)
    }

    static func message(source: Int, sequence: UInt64, index: Int) -> String { "\(messagePrefix)\(source):\(sequence):\(index)" }

    /// Refuses a client key that is too long, not printable ASCII, or in a reserved namespace.
    /// An empty key is allowed: the coordinator then makes one.
    static func validateClientKey(_ key: String) throws(DomainError) {
        guard !key.isEmpty else { return }
        guard key.utf8.count <= maxLength else {
            throw DomainError(.invalidArgument, field: "key", "must be at most \(maxLength) bytes, got \(key.utf8.count)")
        }
        guard key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw DomainError(.invalidArgument, field: "key", "must be printable ASCII without spaces")
        }
        if let prefix = reservedPrefixes.first(where: { key.hasPrefix($0) }) {
            throw DomainError(.invalidArgument, field: "key", "keys starting with \"\(prefix)\" are reserved for the coordinator")
        }
    }

    /// A key for an input sent without one: 128 random bits in the reserved `auto-` namespace,
    /// so it can neither be guessed nor taken by a client.
    static func generated() -> String {
        var g = SystemRandomNumberGenerator()
        let hi = g.next() as UInt64, lo = g.next() as UInt64
        return "auto-" + String(hi, radix: 16) + "-" + String(lo, radix: 16)
    }

    /// True when two inputs are the same request: equal in every field but the receive time,
    /// which the coordinator stamps on arrival.
    static func sameRequest(_ a: Copytrade_V1_Input, _ b: Copytrade_V1_Input) -> Bool {
        var x = a, y = b
        x.receivedMs = 0
        y.receivedMs = 0
        return x == y
    }
}
