import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging
import Sync
import Synchronization

/// Milliseconds since the Unix epoch; injectable so simulations and tests can drive time.
public protocol EngineClock: Sendable {
    func nowMs() -> Millis
    /// True for a real clock: the sequencer then releases held signals on timers. A driven
    /// clock's owner calls ``Sequencer/releaseDueSignals()`` after moving time.
    var drivesTimers: Bool { get }
}

/// The wall clock.
public struct SystemClock: EngineClock {
    public init() {}
    public func nowMs() -> Millis { Millis((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
    public var drivesTimers: Bool { true }
}

/// A clock that only moves when told to: simulations replay hours of activity in seconds,
/// and the same scenario gives the same history.
public final class ManualClock: EngineClock {
    private let now: Mutex<Millis>
    public init(startMs: Millis) { now = Mutex(startMs) }
    public func nowMs() -> Millis { now.withLock { $0 } }
    /// Moves time forward (never back).
    public func set(_ ms: Millis) { now.withLock { $0 = max($0, ms) } }
    public var drivesTimers: Bool { false }
}

/// The single writer (SPEC §6): takes inputs one at a time, asks the ``Engine`` for their
/// outcome, applies it, journals input and outcome, and answers only once the journal has
/// committed them. A repeated idempotency key is answered with the recorded outcome.
public actor Sequencer {
    var state: EngineState
    var engine: Engine
    let store: any JournalStore
    let clock: any EngineClock
    let logger: Logger
    let metrics: CoordinatorMetrics
    let pipeline: CommitPipeline
    /// The sequence the next decided input will get.
    var nextSequence: UInt64
    /// Keys decided but not yet committed, so a replay in that gap waits for the original.
    var inFlightKeys: [String: UInt64] = [:]
    /// Every journaled key: a new key is recognised as new without reading the journal.
    var journaledKeys: Set<String> = []
    var reorder: SignalReorderWindow
    var syncTimer: Task<Void, Never>?
    /// Open `Watch` streams; every way one is added or removed updates `copytrade_watchers`.
    var watchers: [UUID: Watcher] = [:] { didSet { metrics.watchers.record(watchers.count) } }
    /// Events of applied inputs not yet committed, by input sequence.
    var uncommittedEvents: [(sequence: UInt64, events: [Copytrade_V1_Event])] = []
    let startedMs: Millis
    /// Inputs applied since the last snapshot; a snapshot is taken every `snapshotEvery`.
    var sinceSnapshot = 0
    public var snapshotEvery = 100_000
    var queue: InputQueue

    /// Opens the sequencer over a journal, recovering state from its latest snapshot and the
    /// entries after it.
    public init(engine: Engine, store: any JournalStore, clock: any EngineClock = SystemClock(), logger: Logger,
                metrics: CoordinatorMetrics = CoordinatorMetrics()) async throws {
        self.engine = engine
        self.metrics = metrics
        self.store = store
        self.clock = clock
        self.logger = logger
        self.startedMs = clock.nowMs()
        metrics.started(atMs: startedMs)
        let (state, last) = try await Self.recover(from: store, logger: logger)
        self.state = state
        self.nextSequence = last + 1
        self.pipeline = CommitPipeline(store: store, committed: last, metrics: metrics)
        self.journaledKeys = try await Self.loadKeys(from: store)
        self.reorder = try SignalReorderWindow(window: engine.config.reorderWindowMs)
        self.queue = InputQueue()
        await pipeline.setOnCommit { [weak self] seq in await self?.committed(through: seq) }
        await pipeline.setOnFailure { [weak self] error in await self?.journalFailed(error) }
        rebuildReorderWindow()
        noteRolloutOverride()
        let q = queue
        Task { await self.run(q) }
        scheduleSyncTimer()
    }

    /// Submits an input and waits for its durable outcome. Refusals throw ``DomainError``; an
    /// input still waiting when `deadline` passes is refused with `deadlineExceeded`, unapplied.
    public func submit(_ input: Copytrade_V1_Input, key: String,
                       deadline: ContinuousClock.Instant? = nil) async throws -> Copytrade_V1_InputResult {
        try await withCheckedThrowingContinuation { c in
            queue.push(InputQueue.Submission(input: input, key: key, deadline: deadline, reply: { c.resume(with: $0) }))
        }
    }

    /// Replaces the engine's modules between two inputs: `prepare` runs after the inputs
    /// queued so far have been decided and before any later one, so no decision mixes modules.
    public func swapModules(_ prepare: @escaping @Sendable () async -> ModuleSet) async {
        await queue.barrier { [weak self] in
            let modules = await prepare()
            await self?.setModules(modules)
        }
    }

    func setModules(_ modules: ModuleSet) { engine.modules = modules }
    public var modules: ModuleSet { engine.modules }
    public var config: EngineConfig { engine.config }
    public var market: Pricing.Market { engine.market }

    /// Set when the journal failed: the state in memory may hold inputs that were never
    /// journaled, so from then on nothing is decided and no query is answered from it.
    var journalFailure: String?

    /// True while the coordinator can serve: its journal has not failed (Health answers from it).
    public var isServing: Bool { journalFailure == nil }

    func journalFailed(_ error: any Error) {
        guard journalFailure == nil else { return }
        journalFailure = "\(error)"
        logger.error("journal failed: the coordinator stops deciding and answering queries; restart it to recover what was acknowledged",
                     metadata: ["error": "\(error)", "sequence": "\(nextSequence - 1)"])
    }

    /// The refusal for anything asked of a coordinator whose journal failed.
    var unavailable: DomainError {
        DomainError(.unavailable, field: "",
                    "the journal failed (\(journalFailure ?? "")); the state in memory may hold unjournaled inputs, so nothing is served: free the cause (disk space, permissions) and restart the coordinator, which recovers exactly what was acknowledged")
    }

    /// Throws ``unavailable`` once the journal has failed; every query calls it first.
    public func requireServing() throws(DomainError) {
        if journalFailure != nil { throw unavailable }
    }

    /// Stops timers, waits for the journal, and writes a snapshot so the next start is quick.
    public func shutdown() async {
        syncTimer?.cancel()
        queue.finish()
        await pipeline.flush()
        if await pipeline.failed == nil, nextSequence > 1 {
            await writeSnapshot()
        }
    }

    /// Writes a snapshot; a failure is logged at error and counted, not thrown: every input is
    /// still in the journal, so what it costs is a longer recovery, not data (docs/metrics.md).
    func writeSnapshot() async {
        do {
            try await saveSnapshot()
            metrics.snapshotWritten(nowMs: clock.nowMs())
        } catch {
            metrics.snapshotFailures.increment()
            logger.error("snapshot failed", metadata: ["sequence": "\(nextSequence - 1)", "error": "\(error)"])
        }
    }

    func saveSnapshot() async throws {
        let seq = nextSequence - 1
        let bytes: [UInt8] = try OutcomeWire.snapshot(state, sequence: seq).serializedBytes()
        try await store.saveSnapshot(sequence: seq, state: bytes)
        sinceSnapshot = 0
    }
}

import Pricing
