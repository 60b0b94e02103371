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
    /// What the sequencer decides with: sequences, keys, the reorder window, snapshot cadence,
    /// the journal's health (``SequencerCore``); this actor performs its actions.
    var core: SequencerCore
    /// The sequence the next decided input will get.
    var nextSequence: UInt64 { core.nextSequence }
    /// The one timer, armed at the core's next deadline (reorder window or housekeeping).
    var timer: Task<Void, Never>?
    /// Sleeps until the next scheduled profit-share settlement (a real clock only).
    var settlementTimer: Task<Void, Never>?
    /// The latest schedule time already looked at (submitted, or skipped with nothing to
    /// settle), so each is looked at once, not on every driven-clock step.
    var consideredSettlementMs: Millis = 0
    /// The input loop (one input at a time, in arrival order).
    var loop: Task<Void, Never>?
    /// The snapshot being encoded and written beside the loop, if any.
    var snapshotWriting: Task<Void, Never>?
    /// Open `Watch` streams; every way one is added or removed updates `copytrade_watchers`.
    var watchers: [UUID: Watcher] = [:] { didSet { metrics.watchers.record(watchers.count) } }
    /// Events of applied inputs not yet committed, by input sequence.
    var uncommittedEvents: [(sequence: UInt64, events: [Copytrade_V1_Event])] = []
    let startedMs: Millis
    var queue: InputQueue

    /// Opens the sequencer over a journal, recovering state from its latest snapshot and the
    /// entries after it.
    public init(engine: Engine, store: any JournalStore, clock: any EngineClock = SystemClock(), logger: Logger,
                metrics: CoordinatorMetrics = CoordinatorMetrics(), policy: SequencerPolicy = SequencerPolicy()) async throws {
        self.engine = engine
        self.metrics = metrics
        self.store = store
        self.clock = clock
        self.logger = logger
        self.startedMs = clock.nowMs()
        metrics.started(atMs: startedMs)
        let (state, last) = try await Self.recover(from: store, logger: logger)
        self.state = state
        self.pipeline = CommitPipeline(store: store, committed: last, metrics: metrics)
        let recent = try await Self.loadKeys(from: store, since: startedMs - policy.keyRetentionMs)
        self.core = try SequencerCore(policy: policy.core, lastSequence: last, keys: recent.keys, forgottenKeys: recent.forgotten,
                                      now: startedMs, reorderWindowMs: engine.config.reorderWindowMs)
        self.queue = InputQueue(capacity: policy.maxQueuedInputs)
        await pipeline.setOnCommit { [weak self] seq in await self?.committed(through: seq) }
        await pipeline.setOnFailure { [weak self] error in await self?.journalFailed(error) }
        rebuildReorderWindow()
        noteRolloutOverride()
        let q = queue
        // The input loop is owned by the sequencer: ``shutdown()`` ends it and waits for it.
        loop = Task { await self.run(q) }
        submitDueSettlement()
        armSettlement()
    }

    /// Submits an input and waits for its durable outcome. Refusals throw ``DomainError``; an
    /// input still waiting when `deadline` passes is refused with `deadlineExceeded`, unapplied.
    public func submit(_ input: Copytrade_V1_Input, key: String,
                       deadline: ContinuousClock.Instant? = nil) async throws -> Copytrade_V1_InputResult {
        try await withCheckedThrowingContinuation { c in
            queue.pushBounded(InputQueue.Submission(input: input, key: key, deadline: deadline, reply: { c.resume(with: $0) }))
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
    /// Client inputs waiting for the loop.
    public var queuedInputs: Int { queue.waiting }
    public var modules: ModuleSet { engine.modules }
    public var config: EngineConfig { engine.config }
    public var market: Pricing.Market { engine.market }

    /// True while the coordinator can serve: its journal has not failed (Health answers from it).
    public var isServing: Bool { core.isServing }

    /// Set when the journal failed: the state in memory may hold inputs that were never
    /// journaled, so from then on nothing is decided and no query is answered from it.
    func journalFailed(_ error: any Error) {
        perform(core.journalFailed("\(error)"))
    }

    /// Throws UNAVAILABLE once the journal has failed; every query calls it first.
    public func requireServing() throws(DomainError) {
        if let failure = core.failure { throw SequencerCore.unavailable(failure) }
    }

    /// Stops timers, waits for the journal, and writes a snapshot so the next start is quick.
    public func shutdown() async {
        timer?.cancel()
        settlementTimer?.cancel()
        queue.finish()
        await loop?.value
        await pipeline.flush()
        await snapshotWriting?.value
        if core.isServing, await pipeline.failed == nil, nextSequence > 1 {
            startSnapshot()
            await snapshotWriting?.value
        }
    }

    /// Encodes `state`, the state through `sequence`, and stores it as the journal's snapshot.
    nonisolated static func save(_ state: EngineState, sequence: UInt64, to store: any JournalStore) async throws {
        let bytes: [UInt8] = try OutcomeWire.snapshot(state, sequence: sequence).serializedBytes()
        try await store.saveSnapshot(sequence: sequence, state: bytes)
    }
}

import Pricing
