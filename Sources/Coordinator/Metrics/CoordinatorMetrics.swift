import CoreMetrics
import CopyTradeCore
import Synchronization

/// What the coordinator counts and times (docs/metrics.md lists every name). Created once from
/// a `MetricsFactory` and passed to the sequencer, the commit pipeline and the plugin host, so a
/// test can read an isolated factory while the daemon exports to Prometheus (STYLE item 10:
/// libraries use the swift-metrics API; only executables choose a backend).
///
/// Every metric the hot path touches is created here, up front: an input costs one lookup of
/// its kind's counters and a handful of atomic increments; nothing is created, named or looked
/// up per copier or per event, so a 100,000-copier fan-out pays for one input, not 100,000.
public final class CoordinatorMetrics: Sendable {
    let factory: any MetricsFactory

    /// Inputs by kind: accepted / duplicate / refused counters, one set per known kind.
    let inputKinds: [String: InputCounters]
    /// Kinds not in ``InputCounters/knownKinds`` (a kind added later), created on first use.
    let otherKinds = Mutex<[String: InputCounters]>([:])

    let decisionDuration: Timer
    let commitDuration: Timer
    let journalBatchSize: Recorder
    let queueDepth: Gauge
    let heldSignals: Gauge
    let undecodableSignals: Counter
    let liquidations: Counter
    let autoMarginAdditions: Counter
    let moduleCalls: [ModuleName: ModuleCallMetrics]
    let pluginRestarts: [ModuleName: Counter]
    let watchers: Gauge
    let snapshotAge: Gauge
    let snapshotsWritten: Counter
    let snapshotFailures: Counter
    let internalAnswers = Mutex<[String: Counter]>([:])
    /// When the last snapshot was written (or the coordinator started), for ``snapshotAge``.
    let lastSnapshotMs: Atomic<Int64>

    /// - Parameter factory: where the metrics go; the process-wide `MetricsSystem.factory`
    ///   (a no-op until an executable bootstraps a backend) unless a test passes its own.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        var kinds: [String: InputCounters] = [:]
        for kind in InputCounters.knownKinds { kinds[kind] = InputCounters(kind: kind, factory: factory) }
        inputKinds = kinds
        decisionDuration = Timer(label: MetricName.decisionDuration, factory: factory)
        commitDuration = Timer(label: MetricName.commitDuration, factory: factory)
        journalBatchSize = Recorder(label: MetricName.journalBatchSize, aggregate: true, factory: factory)
        queueDepth = Gauge(label: MetricName.queueDepth, factory: factory)
        heldSignals = Gauge(label: MetricName.heldSignals, factory: factory)
        undecodableSignals = Counter(label: MetricName.undecodableSignals, factory: factory)
        liquidations = Counter(label: MetricName.liquidations, factory: factory)
        autoMarginAdditions = Counter(label: MetricName.autoMarginAdditions, factory: factory)
        var calls: [ModuleName: ModuleCallMetrics] = [:]
        var restarts: [ModuleName: Counter] = [:]
        for m in ModuleName.allCases {
            calls[m] = ModuleCallMetrics(module: m, factory: factory)
            restarts[m] = Counter(label: MetricName.pluginRestarts, dimensions: [("module", m.rawValue)], factory: factory)
        }
        moduleCalls = calls
        pluginRestarts = restarts
        watchers = Gauge(label: MetricName.watchers, factory: factory)
        snapshotAge = Gauge(label: MetricName.snapshotAge, factory: factory)
        snapshotsWritten = Counter(label: MetricName.snapshots, dimensions: [("outcome", "written")], factory: factory)
        snapshotFailures = Counter(label: MetricName.snapshots, dimensions: [("outcome", "failed")], factory: factory)
        lastSnapshotMs = Atomic(0)
    }

    /// The counters of one input kind (`kindName`, as the journal's `kind` column says it).
    func inputs(_ kind: String) -> InputCounters {
        if let known = inputKinds[kind] { return known }
        return otherKinds.withLock { other in
            if let c = other[kind] { return c }
            let c = InputCounters(kind: kind, factory: factory)
            other[kind] = c
            return c
        }
    }

    /// Counts what committed inputs did, from their events' kinds: liquidations and auto-margin
    /// additions are counted here, in one place, rather than in each engine file that emits them.
    func countCommitted(eventKinds kinds: some Sequence<String>) {
        for kind in kinds {
            switch kind {
            case "liquidated": liquidations.increment()
            case "automargin.added": autoMarginAdditions.increment()
            default: break
            }
        }
    }

    /// One journal transaction committed `batchSize` inputs in `took` (group commit).
    func committed(batchSize: Int, took: Duration) {
        journalBatchSize.record(batchSize)
        commitDuration.recordNanoseconds(took.nanoseconds)
    }

    /// The engine decided an input in `took`.
    func decided(took: Duration) {
        decisionDuration.recordNanoseconds(took.nanoseconds)
    }

    /// A handler answered INTERNAL: counted by method (the caller logs it at error).
    public func countInternalAnswer(service: String, method: String) {
        let name = service + "/" + method
        internalAnswers.withLock { counters in
            if let c = counters[name] { c.increment(); return }
            let c = Counter(label: MetricName.internalAnswers, dimensions: [("method", name)], factory: factory)
            counters[name] = c
            c.increment()
        }
    }

    /// The coordinator started at `atMs`: snapshot age counts from here until the first snapshot.
    func started(atMs: Millis) {
        lastSnapshotMs.store(atMs, ordering: .relaxed)
    }

    /// A snapshot was written at `nowMs`.
    func snapshotWritten(nowMs: Millis) {
        snapshotsWritten.increment()
        lastSnapshotMs.store(nowMs, ordering: .relaxed)
        snapshotAge.record(0)
    }

    /// Brings the gauges that depend on the time up to `nowMs` (snapshot age): called just
    /// before metrics are read, so an idle coordinator still shows its snapshot growing old.
    public func refresh(nowMs: Millis) {
        let age = max(0, nowMs - lastSnapshotMs.load(ordering: .relaxed))
        snapshotAge.record(Double(age) / 1_000)
    }
}

/// Call latency and failures of one module reached over ttrpc (a plugin, a module process or a
/// remote service). In-process modules are plain function calls inside the decision, which
/// ``CoordinatorMetrics/decisionDuration`` already times.
struct ModuleCallMetrics: Sendable {
    let duration: Timer
    let errors: Counter

    init(module: ModuleName, factory: any MetricsFactory) {
        duration = Timer(label: MetricName.moduleCallDuration, dimensions: [("module", module.rawValue)], factory: factory)
        errors = Counter(label: MetricName.moduleCallErrors, dimensions: [("module", module.rawValue)], factory: factory)
    }
}

extension Duration {
    /// Whole nanoseconds, as swift-metrics' `Timer` takes them.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}
