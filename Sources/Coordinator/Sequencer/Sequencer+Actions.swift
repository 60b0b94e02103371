import CopyTradeCore
import CopyTradeProto

/// How to run a sequencer: snapshot cadence, key retention, queue bound (docs/decisions.md,
/// "Sequencer"; the README lists the defaults).
public struct SequencerPolicy: Sendable, Equatable {
    public var snapshotEveryInputs = 100_000
    public var snapshotEveryBytes = 64 << 20
    public var snapshotEveryMs: Millis = 10 * 60_000
    /// Idempotency keys are kept in memory this long (default 7 days); older ones are looked up
    /// in the journal, so a replay is still answered, and memory stays bounded.
    public var keyRetentionMs: Millis = 7 * 24 * 3_600_000
    /// Client inputs that may wait for the sequencer; past it, RESOURCE_EXHAUSTED at once.
    public var maxQueuedInputs = 10_000

    public init() {}

    var core: SequencerCore.Policy {
        SequencerCore.Policy(snapshotEveryInputs: snapshotEveryInputs, snapshotEveryBytes: snapshotEveryBytes,
                             snapshotEveryMs: snapshotEveryMs, keyRetentionMs: keyRetentionMs)
    }
}

extension Sequencer {
    /// Performs what the core decided, in order.
    func perform(_ actions: [SequencerCore.Action]) {
        for action in actions {
            switch action {
            case .snapshot:
                // Between two inputs, once everything decided so far is committed.
                queue.schedule { [weak self] in await self?.snapshotNow() }
            case .release(let trader, let ids):
                submitRelease(trader: trader, signalIDs: ids)
            case .armTimer(let at):
                arm(at: at)
            case .stopServing(let reason):
                logger.error("journal failed: the coordinator stops deciding and answering queries; restart it to recover what was acknowledged",
                             metadata: ["error": "\(reason)", "sequence": "\(core.committedSequence)"])
            }
        }
    }

    /// Takes a snapshot between two inputs, once everything decided is committed; one at a
    /// time: a snapshot due while one is being written waits for the next interval.
    func snapshotNow() async {
        await pipeline.flush()
        guard core.isServing, snapshotWriting == nil else { return }
        startSnapshot()
    }

    /// Captures the state through the last decided input and encodes and writes it on another
    /// task (``snapshotWriting``) while inputs go on (docs/journal.md, "Large outcomes and
    /// snapshots"): the copy costs nothing until the next input changes a table. A failure is
    /// logged at error and counted, not thrown: every input is still in the journal, so what it
    /// costs is a longer recovery, not data (docs/metrics.md).
    func startSnapshot() {
        let captured = state, sequence = nextSequence - 1, store = store
        core.snapshotTaken(now: clock.nowMs())
        snapshotWriting = Task.detached { [weak self] in
            let result: Result<Void, any Error>
            do {
                result = .success(try await Self.save(captured, sequence: sequence, to: store))
            } catch {
                result = .failure(error)
            }
            await self?.snapshotFinished(result, sequence: sequence)
        }
    }

    func snapshotFinished(_ result: Result<Void, any Error>, sequence: UInt64) {
        snapshotWriting = nil
        switch result {
        case .success:
            metrics.snapshotWritten(nowMs: clock.nowMs())
        case .failure(let error):
            metrics.snapshotFailures.increment()
            logger.error("snapshot failed", metadata: ["sequence": "\(sequence)", "error": "\(error)"])
        }
    }

    /// One timer for the core's next deadline; a driven clock's owner calls
    /// ``releaseDueSignals()`` instead.
    func arm(at deadline: Millis) {
        guard clock.drivesTimers else { return }
        timer?.cancel()
        let wait = max(0, deadline - clock.nowMs())
        timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(wait))
            guard !Task.isCancelled else { return }
            await self?.timerFired()
        }
    }

    func timerFired() {
        perform(core.timerFired(now: clock.nowMs()))
    }
}
