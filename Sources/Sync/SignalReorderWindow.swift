import CopyTradeCore

/// Holds each trader's margin signals for a short window and releases them in occurrence order
/// (SPEC §5). A clock-injected state machine: time only moves through `now` arguments, so a test
/// or a replay drives it deterministically.
///
/// Per trader, held signals are released together — sorted by occurrence time, ties by signal id —
/// once `now ≥` the receive time of that trader's earliest-received held signal `+ window`.
/// A signal arriving after a later-occurring one was released is held and released at its own
/// window expiry: the sequencer drops nothing; staleness is the decision's job.
public struct SignalReorderWindow: Sendable {
    /// SPEC's default reorder window: 500 ms.
    public static let defaultWindow: Millis = 500

    /// How long a trader's first held signal waits for earlier-occurring ones; 0 releases at once.
    public let window: Millis

    private struct Held: Sendable {
        var firstReceivedAt: Millis
        var signals: [MarginSyncSignal]
    }

    private var held: [AccountID: Held] = [:]

    /// An empty sequencer with the given window (≥ 0).
    public init(window: Millis = SignalReorderWindow.defaultWindow) throws(DomainError) {
        guard window >= 0 else { throw DomainError.invalid("window", "must not be negative, got \(window)") }
        self.window = window
    }

    /// Holds `signal`, received at `now`, and returns everything due at `now` (possibly including it).
    public mutating func receive(_ signal: MarginSyncSignal, now: Millis) -> [MarginSyncSignal] {
        held[signal.trader, default: Held(firstReceivedAt: now, signals: [])].signals.append(signal)
        return advance(to: now)
    }

    /// Releases every trader's held signals whose window has expired at `now`: traders in order of
    /// deadline then trader id, each trader's signals by occurrence time then signal id.
    public mutating func advance(to now: Millis) -> [MarginSyncSignal] {
        guard !held.isEmpty else { return [] }
        var due: [(deadline: Millis, trader: AccountID)] = []
        for (trader, h) in held {
            let d = deadline(of: h)
            if now >= d { due.append((d, trader)) }
        }
        guard !due.isEmpty else { return [] }
        due.sort { ($0.deadline, $0.trader) < ($1.deadline, $1.trader) }
        var released: [MarginSyncSignal] = []
        for entry in due {
            guard var signals = held.removeValue(forKey: entry.trader)?.signals else { continue }
            signals.sort(by: Self.occursBefore)
            released.append(contentsOf: signals)
        }
        return released
    }

    /// The earliest time at which ``advance(to:)`` will release something; `nil` when nothing is held.
    public var nextDeadline: Millis? {
        var earliest: Millis?
        for h in held.values {
            let d = deadline(of: h)
            if earliest.map({ d < $0 }) ?? true { earliest = d }
        }
        return earliest
    }

    /// Number of signals currently held.
    public var heldCount: Int { held.values.reduce(0) { $0 + $1.signals.count } }

    /// Occurrence order: by occurrence time, ties broken by signal id.
    public static func occursBefore(_ a: MarginSyncSignal, _ b: MarginSyncSignal) -> Bool {
        (a.occurredAt, a.id) < (b.occurredAt, b.id)
    }

    private func deadline(of h: Held) -> Millis {
        let (d, overflow) = h.firstReceivedAt.addingReportingOverflow(window)
        return overflow ? .max : d
    }
}
