import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import MetricsTestKit
import Synchronization
import Testing
@testable import Coordinator

/// The coordinator's metrics (docs/metrics.md), read from an isolated `TestMetrics` factory
/// after a scripted run of the whole coordinator in process: exact counts, not "more than 0".
@Suite("Coordinator metrics", .timeLimit(.minutes(1)))
struct CoordinatorMetricsTests {
    /// A sequencer over an in-memory journal on a manual clock, reporting to its own factory.
    struct Run {
        let metrics = TestMetrics()
        let clock = ManualClock(startMs: 1_700_000_000_000)
        let log = LogRecorder()
        let sequencer: Sequencer

        init(store: any JournalStore = InMemoryJournalStore()) async throws {
            sequencer = try await Sequencer(engine: Engine(modules: .inProcess()), store: store, clock: clock,
                                            logger: Logger(label: "test") { [log] _ in log },
                                            metrics: CoordinatorMetrics(factory: metrics))
        }

        /// Submits one input a second after the last; returns the result or the refusal.
        @discardableResult
        func submit(_ key: String = "", _ fill: (inout Copytrade_V1_Input) -> Void) async -> Result<Copytrade_V1_InputResult, any Error> {
            clock.set(clock.nowMs() + 1_000)
            var input = Copytrade_V1_Input()
            fill(&input)
            do { return .success(try await sequencer.submit(input, key: key)) } catch { return .failure(error) }
        }

        /// Submits one input that must be accepted.
        @discardableResult
        func must(_ key: String = "", _ fill: (inout Copytrade_V1_Input) -> Void) async throws -> Copytrade_V1_InputResult {
            try await submit(key, fill).get()
        }

        func counter(_ label: String, _ dimensions: [(String, String)] = []) throws -> Int64 {
            try metrics.expectCounter(label, dimensions).totalValue
        }

        func inputs(_ kind: String, _ outcome: String) throws -> Int64 {
            try counter(MetricName.inputs, [("kind", kind), ("outcome", outcome)])
        }

        func gauge(_ label: String) throws -> Double? {
            try metrics.expectGauge(label).lastValue
        }
    }

    static func e8(_ text: String) -> Int64 { (try! Decimal8(parsing: text)).e8 }

    @Test("SPEC's auto margin walk: inputs by kind and outcome, 2 additions, 1 liquidation, timings per input")
    func autoMarginWalk() async throws {
        let run = try await Run()
        await run.submit { $0.createAccount.accountID = "U"; $0.createAccount.role = .trader }
        await run.submit("d1") { $0.deposit.accountID = "U"; $0.deposit.amountE8 = Self.e8("2505") }
        let again = await run.submit("d1") { $0.deposit.accountID = "U"; $0.deposit.amountE8 = Self.e8("2505") }
        #expect(try again.get().duplicate)
        let refused = await run.submit { $0.withdraw.accountID = "U"; $0.withdraw.amountE8 = Self.e8("99999") }
        #expect((try? refused.get()) == nil)
        await run.submit { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = Self.e8("20000") }
        await run.submit {
            $0.open.accountID = "U"; $0.open.symbol = "BTCUSDT"; $0.open.side = .long
            $0.open.quantityE8 = Self.e8("0.5"); $0.open.priceE8 = Self.e8("20000"); $0.open.leverage = 10
        }
        await run.submit {
            $0.setAutoMargin.accountID = "U"; $0.setAutoMargin.symbol = "BTCUSDT"
            $0.setAutoMargin.enabled = true; $0.setAutoMargin.amountE8 = Self.e8("1000")
        }
        for mark in ["18069.2", "16061.5", "15057.7"] {
            try await run.must { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = Self.e8(mark) }
        }

        #expect(try run.inputs("account.create", "accepted") == 1)
        #expect(try run.inputs("deposit", "accepted") == 1)
        #expect(try run.inputs("deposit", "duplicate") == 1)
        #expect(try run.inputs("withdraw", "refused") == 1)
        #expect(try run.counter(MetricName.inputRefusals, [("kind", "withdraw"), ("code", "FAILED_PRECONDITION")]) == 1)
        #expect(try run.inputs("mark", "accepted") == 4)
        #expect(try run.inputs("open", "accepted") == 1)
        #expect(try run.inputs("automargin", "accepted") == 1)
        #expect(try run.inputs("open", "refused") == 0)
        #expect(try run.counter(MetricName.liquidations) == 1)
        #expect(try run.counter(MetricName.autoMarginAdditions) == 2)
        // One decision timed per accepted input; every accepted input in exactly one journal batch.
        let accepted = 1 + 1 + 4 + 1 + 1
        #expect(try run.metrics.expectTimer(MetricName.decisionDuration).values.count == accepted)
        let batches = try run.metrics.expectRecorder(MetricName.journalBatchSize).values
        #expect(batches.reduce(0, +) == Double(accepted))
        #expect(try run.metrics.expectTimer(MetricName.commitDuration).values.count == batches.count)
        // Submitted one at a time: the loop never found another input waiting.
        #expect(try run.metrics.expectGauge(MetricName.queueDepth).values.allSatisfy { $0 == 0 })
        #expect(try run.counter(MetricName.undecodableSignals) == 0)
        for module in ModuleName.allCases {
            // In process: no ttrpc call to time or to fail.
            #expect(try run.metrics.expectTimer(MetricName.moduleCallDuration, [("module", module.rawValue)]).values.isEmpty)
        }
    }

    @Test("held signals and watchers are gauges: up while held or open, back to 0 after")
    func gauges() async throws {
        let run = try await Run()
        for (id, role, amount) in [("T", Copytrade_V1_AccountRole.trader, "10000"), ("C", .copier, "5000")] {
            try await run.must { $0.createAccount.accountID = id; $0.createAccount.role = role }
            try await run.must { $0.deposit.accountID = id; $0.deposit.amountE8 = Self.e8(amount) }
        }
        try await run.must {
            $0.follow.copierID = "C"; $0.follow.traderID = "T"; $0.follow.mode = .proportional
            $0.follow.multiplierE8 = Self.e8("1"); $0.follow.leverage = 10
        }
        try await run.must { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = Self.e8("20000") }
        try await run.must {
            $0.open.accountID = "T"; $0.open.symbol = "BTCUSDT"; $0.open.side = .long
            $0.open.quantityE8 = Self.e8("0.5"); $0.open.priceE8 = Self.e8("20000"); $0.open.leverage = 10
        }
        let watch = try await run.sequencer.watch(account: "", afterEvent: 0)
        #expect(try run.gauge(MetricName.watchers) == 1)

        try await run.must { $0.adjustMargin.accountID = "T"; $0.adjustMargin.symbol = "BTCUSDT"; $0.adjustMargin.deltaE8 = Self.e8("500") }
        #expect(try run.gauge(MetricName.heldSignals) == 1)
        run.clock.set(run.clock.nowMs() + 1_000)  // past the 500 ms reorder window
        await run.sequencer.releaseDueSignals()
        #expect(try run.gauge(MetricName.heldSignals) == 0)
        #expect(try run.inputs("sync.release", "accepted") == 1)

        await run.sequencer.endWatches()
        for await _ in watch {}
        #expect(try run.gauge(MetricName.watchers) == 0)
    }

    @Test("a failed snapshot is logged at error and counted, not thrown")
    func failedSnapshot() async throws {
        let run = try await Run(store: SnapshotRefusingStore())
        try await run.must { $0.createAccount.accountID = "A"; $0.createAccount.role = .trader }
        await run.sequencer.shutdown()
        #expect(try run.counter(MetricName.snapshots, [("outcome", "failed")]) == 1)
        #expect(try run.counter(MetricName.snapshots, [("outcome", "written")]) == 0)
        #expect(run.log.lines.contains { $0.level == .error && $0.message == "snapshot failed" }, "\(run.log.lines)")
    }

    @Test("snapshot age counts from the start until a snapshot is written, then from the snapshot")
    func snapshotAge() async throws {
        let run = try await Run()
        let metrics = await run.sequencer.metrics
        metrics.refresh(nowMs: run.clock.nowMs() + 30_000)
        #expect(try run.gauge(MetricName.snapshotAge) == 30)
        try await run.must { $0.createAccount.accountID = "A"; $0.createAccount.role = .trader }
        await run.sequencer.snapshotNow()
        await run.sequencer.settle()
        metrics.refresh(nowMs: run.clock.nowMs() + 2_500)
        #expect(try run.gauge(MetricName.snapshotAge) == 2.5)
        #expect(try run.counter(MetricName.snapshots, [("outcome", "written")]) == 1)
    }

    @Test("an INTERNAL answer is counted by method, each method on its own series")
    func internalAnswers() throws {
        let metrics = TestMetrics()
        let m = CoordinatorMetrics(factory: metrics)
        m.countInternalAnswer(service: "copytrade.v1.Control", method: "Deposit")
        m.countInternalAnswer(service: "copytrade.v1.Control", method: "Deposit")
        m.countInternalAnswer(service: "copytrade.v1.Control", method: "Status")
        #expect(try metrics.expectCounter(MetricName.internalAnswers, [("method", "copytrade.v1.Control/Deposit")]).totalValue == 2)
        #expect(try metrics.expectCounter(MetricName.internalAnswers, [("method", "copytrade.v1.Control/Status")]).totalValue == 1)
    }
}

/// The in-memory journal, refusing every snapshot (a full disk at snapshot time).
actor SnapshotRefusingStore: JournalStore {
    let inner = InMemoryJournalStore()
    func append(_ entries: [NewJournalEntry]) async throws -> [AppendResult] { try await inner.append(entries) }
    func entry(forKey key: String) async throws -> JournalEntry? { try await inner.entry(forKey: key) }
    func entries(after: UInt64, limit: Int) async throws -> [JournalEntry] { try await inner.entries(after: after, limit: limit) }
    var lastSequence: UInt64 { get async throws { try await inner.lastSequence } }
    func saveSnapshot(sequence: UInt64, state: [UInt8]) async throws {
        throw JournalError(code: .io, message: "disk full (test)")
    }
    func latestSnapshot() async throws -> (sequence: UInt64, state: [UInt8])? { try await inner.latestSnapshot() }
    func close() async throws { await inner.close() }
}

