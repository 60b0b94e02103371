import CopyTradeCore
import DequeModule
import Sync

/// Everything the sequencer decides with, and nothing it does (docs/decisions.md, "Sequencer"):
/// sequence numbers, idempotency keys and their retention, the margin-sync reorder window,
/// snapshot cadence and the journal's health. No I/O and no clock: every method is given the
/// time and returns the ``Action``s the ``Sequencer`` actor then performs (decide, journal,
/// reply, publish, arm a timer, snapshot). Tested alone, in milliseconds (SequencerCoreTests).
struct SequencerCore: Sendable {
    /// When to snapshot and how long to remember keys.
    struct Policy: Sendable, Equatable {
        /// Snapshot after this many inputs...
        var snapshotEveryInputs = 100_000
        /// ...or once this many bytes of outcome were journaled since the last one (recovery
        /// replays outcomes: their size, not their count, is what a restart pays for)...
        var snapshotEveryBytes = 64 << 20
        /// ...or this long after the last one, when anything was journaled since.
        var snapshotEveryMs: Millis = 10 * 60_000
        /// Keys are kept in memory this long; older ones are looked up in the journal.
        var keyRetentionMs: Millis = 7 * 24 * 3_600_000
        /// How often the timer prunes keys and checks the snapshot clock when nothing else arms it.
        var housekeepingEveryMs: Millis = 60_000
    }

    /// What to do with an input that just arrived.
    enum Admission: Sendable, Equatable {
        /// Refused before anything is decided: nothing applies.
        case refuse(DomainError)
        /// Its key is being journaled: wait for the commit, then answer from the journal.
        case replayAfterCommit
        /// Its key is journaled: answer from the journal (or refuse a different request).
        case replay
        /// The key is older than the retention: the journal says whether it was used.
        case lookUpKey
        /// New: decide it.
        case decide
    }

    /// Work for the actor, in order.
    enum Action: Sendable, Equatable {
        /// Snapshot the state as of the last committed sequence.
        case snapshot
        /// Submit a release input for these signals of one trader, in this order.
        case release(trader: String, signalIDs: [String])
        /// Call ``timerFired(now:)`` at this time (replacing any earlier timer).
        case armTimer(at: Millis)
        /// The journal failed: stop serving, log it.
        case stopServing(reason: String)
    }

    let policy: Policy
    /// The sequence the next decided input gets.
    private(set) var nextSequence: UInt64
    private(set) var committedSequence: UInt64
    /// Keys decided but not yet committed, with their sequence, and the same in sequence order
    /// (a commit takes them off the front: no scan, no new table per commit).
    private var inFlight: [String: UInt64] = [:]
    private var inFlightOrder: Deque<(sequence: UInt64, key: String)> = []
    /// Keys journaled within the retention, with when they were decided, oldest first in `order`.
    private var keys: [String: Millis] = [:]
    private var order: Deque<(key: String, at: Millis)> = []
    /// Keys forgotten (pruned, or older than the retention at recovery): one not in memory
    /// that the filter may hold is looked up in the journal; any other is new.
    private var forgotten = ForgottenKeys()
    /// True once any key was forgotten.
    var forgotKeys: Bool { forgotten.count > 0 }
    private var reorder: SignalReorderWindow
    private var since = (inputs: 0, bytes: 0, atMs: Millis(0))
    private(set) var failure: String?
    private var armed: Millis?

    /// `keys`: the journal's keys with their times; those older than the retention go to the
    /// forgotten filter, like `forgottenKeys` (read but not kept by the caller).
    init(policy: Policy = Policy(), lastSequence: UInt64, keys recovered: [(key: String, at: Millis)],
         forgottenKeys: ForgottenKeys = ForgottenKeys(), now: Millis, reorderWindowMs: Millis) throws(DomainError) {
        self.policy = policy
        nextSequence = lastSequence + 1
        committedSequence = lastSequence
        reorder = try SignalReorderWindow(window: reorderWindowMs)
        since.atMs = now
        let horizon = now - policy.keyRetentionMs
        forgotten = forgottenKeys
        for k in recovered {
            guard k.at >= horizon else { forgotten.insert(k.key); continue }
            keys[k.key] = k.at
            order.append(k)
        }
    }

    var isServing: Bool { failure == nil }
    var rememberedKeys: Int { keys.count }
    var heldSignals: Int { reorder.heldCount }

    // MARK: Inputs

    /// Admits an input: refused when the journal failed or the caller's deadline passed;
    /// otherwise new, a replay, or a key to look up. `clientKey` is false for keys the
    /// coordinator made (random or derived from signal ids), which cannot be older reuses.
    func admit(key: String, clientKey: Bool, deadlinePassed: Bool) -> Admission {
        if let failure { return .refuse(Self.unavailable(failure)) }
        if deadlinePassed {
            return .refuse(DomainError(.deadlineExceeded, field: "", "the call's deadline passed before the input was decided; nothing was applied"))
        }
        // Every key in flight is also in `keys`: a new key costs one look-up.
        if keys[key] != nil { return inFlight[key] != nil ? .replayAfterCommit : .replay }
        return clientKey && forgotten.mightContain(key) ? .lookUpKey : .decide
    }

    /// An input was decided: it takes the next sequence, and its key is remembered.
    mutating func decided(key: String, outcomeBytes: Int, now: Millis) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        inFlight[key] = sequence
        inFlightOrder.append((sequence, key))
        keys[key] = now
        order.append((key, now))
        since.inputs += 1
        since.bytes += outcomeBytes
        return sequence
    }

    /// The journal committed everything through `sequence`.
    mutating func committed(through sequence: UInt64, now: Millis) -> [Action] {
        committedSequence = max(committedSequence, sequence)
        while let first = inFlightOrder.first, first.sequence <= sequence {
            inFlightOrder.removeFirst()
            if inFlight[first.key] == first.sequence { inFlight[first.key] = nil }
        }
        return snapshotDue(now: now) ? [.snapshot] : []
    }

    /// The journal refused a write: from now on nothing is decided or answered.
    mutating func journalFailed(_ reason: String) -> [Action] {
        guard failure == nil else { return [] }
        failure = reason
        inFlight.removeAll()
        inFlightOrder.removeAll()
        return [.stopServing(reason: reason)]
    }

    /// A snapshot of everything through the committed sequence was written.
    mutating func snapshotTaken(now: Millis) {
        since = (0, 0, now)
    }

    // MARK: Signals and time

    /// Newly held signals enter the reorder window; those already due are released.
    mutating func hold(_ signals: [MarginSyncSignal], now: Millis) -> [Action] {
        var released: [MarginSyncSignal] = []
        for s in signals { released += reorder.receive(s, now: now) }
        return Self.releases(released) + arm(now: now)
    }

    /// The timer fired: release due signals, forget keys past the retention, snapshot by time.
    mutating func timerFired(now: Millis) -> [Action] {
        armed = nil
        var actions = Self.releases(reorder.advance(to: now))
        pruneKeys(now: now)
        if snapshotDue(now: now) { actions.append(.snapshot) }
        return actions + arm(now: now)
    }

    /// The next timer: the reorder window's next deadline, or housekeeping.
    private mutating func arm(now: Millis) -> [Action] {
        let next = min(reorder.nextDeadline ?? .max, now + policy.housekeepingEveryMs)
        guard armed.map({ next < $0 }) ?? true else { return [] }
        armed = next
        return [.armTimer(at: next)]
    }

    private mutating func pruneKeys(now: Millis) {
        let horizon = now - policy.keyRetentionMs
        while let first = order.first, first.at < horizon {
            order.removeFirst()
            // A key decided again later has a newer time: only the entry it has now counts.
            if keys[first.key] == first.at, inFlight[first.key] == nil {
                keys[first.key] = nil
                forgotten.insert(first.key)
            }
        }
    }

    private func snapshotDue(now: Millis) -> Bool {
        guard since.inputs > 0, failure == nil else { return false }
        return since.inputs >= policy.snapshotEveryInputs || since.bytes >= policy.snapshotEveryBytes
            || now - since.atMs >= policy.snapshotEveryMs
    }

    /// One release per trader, in the order the window released them.
    static func releases(_ released: [MarginSyncSignal]) -> [Action] {
        var traders: [String] = []
        var ids: [String: [String]] = [:]
        for s in released {
            if ids[s.trader.rawValue] == nil { traders.append(s.trader.rawValue) }
            ids[s.trader.rawValue, default: []].append(s.id)
        }
        return traders.map { .release(trader: $0, signalIDs: ids[$0]!) }
    }

    static func unavailable(_ reason: String) -> DomainError {
        DomainError(.unavailable, field: "",
                    "the journal failed (\(reason)); the state in memory may hold unjournaled inputs, so nothing is served: free the cause (disk space, permissions) and restart the coordinator, which recovers exactly what was acknowledged")
    }
}
