import Coordinator
import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging

/// An input the coordinator refused during a run (the run goes on, as the real one would).
public struct Refusal: Sendable, Hashable {
    public var t: Millis
    public var what: String
    public var path: String
    public var line: Int
    public var reason: String
}

/// The outcome of one run: where its files are, the history, the summary and the drawn series.
public struct SimulationResult: Sendable {
    public var scenario: String
    public var variant: String?
    public var outDirectory: String
    public var events: [Copytrade_V1_Event]
    public var summary: RunSummary
    public var series: RunSeries
    public var refusals: [Refusal]
    public var lost: [ScriptedAction]
    public var steps: Int
    public var seconds: Double

    public var historyJSONL: String { (outDirectory as NSString).appendingPathComponent("history.jsonl") }
    public var historyCSV: String { (outDirectory as NSString).appendingPathComponent("history.csv") }
    public var journal: String { (outDirectory as NSString).appendingPathComponent("journal.sqlite") }
}

/// Runs a scenario through a real coordinator in this process: a ``Sequencer`` over an
/// ``Engine`` whose modules a ``PluginHost`` opens as the scenario configures, journaling to
/// SQLite, on a ``ManualClock``. Marks and action deliveries are submitted in time order; margin
/// sync's reorder windows and scheduled profit-share settlements fall due in simulated time (the
/// clock is stopped at each window's end and each schedule time, and
/// ``Sequencer/releaseDueSignals()`` called), so a run takes as long as its computing.
public struct SimulationRunner: Sendable {
    public var logger: Logger
    /// Called after each step with (done, total).
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(logger: Logger = Logger(label: "copytrade.simulation", factory: { _ in SwiftLogNoOpLogHandler() }),
                progress: (@Sendable (Int, Int) -> Void)? = nil) {
        self.logger = logger
        self.progress = progress
    }

    public func run(_ scenario: Scenario, outDirectory: String, variant: String? = nil) async throws -> SimulationResult {
        let started = ContinuousClock.now
        let fm = FileManager.default
        try fm.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        for name in ["journal.sqlite", "journal.sqlite-wal", "journal.sqlite-shm", "history.csv", "history.jsonl", "report.html"] {
            try? fm.removeItem(atPath: (outDirectory as NSString).appendingPathComponent(name))
        }
        let store = try SQLiteJournalStore(path: (outDirectory as NSString).appendingPathComponent("journal.sqlite"),
                                           durability: .normal, logger: logger)
        let host = PluginHost(market: scenario.market, logger: logger)
        do { try await host.start(routes: scenario.routes) } catch {
            await host.shutdown()
            try? await store.close()
            throw error
        }
        let clock = ManualClock(startMs: Scenario.epochMs)
        let engine = Engine(modules: await host.moduleSet(), config: scenario.engine, market: scenario.market)
        let sequencer = try await Sequencer(engine: engine, store: store, clock: clock, logger: logger)
        // The same services as the daemon (CoordinatorServices), stopped in the same order.
        let outcome = try await CoordinatorServices.running(sequencer: sequencer, host: host, store: store, logger: logger) {
            try await self.drive(scenario, sequencer: sequencer, clock: clock)
        }
        let result = SimulationResult(scenario: scenario.name, variant: variant, outDirectory: outDirectory, events: outcome.events,
                                      summary: outcome.summary, series: outcome.series, refusals: outcome.refusals, lost: outcome.lost,
                                      steps: outcome.steps, seconds: Self.seconds(since: started))
        try HistoryFiles.write(result.events, csv: result.historyCSV, jsonl: result.historyJSONL)
        return result
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private func drive(_ scenario: Scenario, sequencer: Sequencer, clock: ManualClock) async throws
        -> (events: [Copytrade_V1_Event], summary: RunSummary, series: RunSeries, refusals: [Refusal], steps: Int, lost: [ScriptedAction]) {
        let epoch = Scenario.epochMs
        for a in scenario.accounts {
            _ = try await sequencer.submit(ScenarioInputs.createAccount(a), key: "setup:create:\(a.id)")
            if a.deposit.isPositive { _ = try await sequencer.submit(ScenarioInputs.deposit(a.id, a.deposit), key: "setup:deposit:\(a.id)") }
            // A trader's profit-share ratio and copier limit, before any follow.
            if a.profitShareRatio != nil || a.maxCopiers != nil {
                let change = AccountChange(account: a.id, maxCopiers: a.maxCopiers, profitShareRatio: a.profitShareRatio)
                _ = try await sequencer.submit(ScenarioInputs.setAccount(change, atMs: epoch), key: "setup:account:\(a.id)")
            }
        }
        let timeline = Timeline(scenario)
        let total = timeline.entries.count
        var recorder = SeriesRecorder(accounts: scenario.accounts, totalSteps: total)
        var marks: [String: Decimal8] = [:]
        var refusals: [Refusal] = []
        // Ends of reorder windows still to come: a signal received at t is released by t + window.
        var deadlines: [Millis] = []
        let window = scenario.engine.reorderWindowMs

        // The next scheduled profit-share settlement (absolute ms); nil when the schedule is off.
        var nextSettlement = await sequencer.nextSettlementMs

        /// The coordinator's own timers due by offset `t`, each at its own time, in time order:
        /// reorder windows ending and scheduled settlements (`releaseDueSignals()` runs both).
        func releaseDue(upTo t: Millis) async {
            while true {
                let windowEnd = deadlines.first.flatMap { $0 <= t ? $0 : nil }
                let settlement = nextSettlement.flatMap { $0 - epoch <= t ? $0 - epoch : nil }
                guard let at = [windowEnd, settlement].compactMap({ $0 }).min() else { return }
                if windowEnd == at { deadlines.removeFirst() }
                clock.set(epoch + at)
                await sequencer.releaseDueSignals()
                if settlement == at { nextSettlement = await sequencer.nextSettlementMs }
                recorder.observe(await sequencer.snapshotOfState, at: at)
            }
        }

        recorder.observe(await sequencer.snapshotOfState, at: 0, force: true)
        for (done, entry) in timeline.entries.enumerated() {
            await releaseDue(upTo: entry.time)
            clock.set(epoch + entry.time)
            let input: Copytrade_V1_Input
            let key: String
            var what: String
            var place = ("", 0)
            switch entry.step {
            case let .mark(symbol, i, p):
                input = ScenarioInputs.mark(symbol, p.price, atMs: epoch + p.at)
                key = "mark:\(symbol):\(i)"
                what = "mark \(symbol) \(p.price)"
                marks[symbol] = p.price
                recorder.mark(symbol, p.price, at: p.at)
            case let .action(i, a):
                what = a.summary
                place = (a.path, a.line)
                do {
                    input = try ScenarioInputs.action(a, atMs: epoch + a.at) { marks[$0] }
                } catch {
                    refusals.append(Refusal(t: entry.time, what: what, path: a.path, line: a.line, reason: error.message))
                    progress?(done + 1, total)
                    continue
                }
                key = "action:\(i)"
            }
            do {
                let r = try await sequencer.submit(input, key: key)
                if window > 0, r.events.contains(where: { $0.kind == "sync.received" }) {
                    let d = entry.time + window
                    let at = deadlines.firstIndex { $0 > d } ?? deadlines.count
                    if !deadlines.contains(d) { deadlines.insert(d, at: at) }
                }
            } catch let e as DomainError {
                if case .action = entry.step {} else { what += " (mark)" }
                refusals.append(Refusal(t: entry.time, what: what, path: place.0, line: place.1,
                                        reason: e.field.isEmpty ? e.message : "\(e.field): \(e.message)"))
            }
            recorder.observe(await sequencer.snapshotOfState, at: entry.time, force: done == total - 1)
            progress?(done + 1, total)
        }
        // Windows still open end after the last step; the run ends with the last of them
        // (settlements due by then run too, none after).
        await releaseDue(upTo: deadlines.last ?? timeline.endTime)
        await sequencer.settle()
        let state = await sequencer.snapshotOfState
        recorder.observe(state, at: recorder.series.endTime, force: true)
        let events = try await sequencer.history(account: "", afterEvent: 0, limit: .max, kindPrefix: "")
        var views: [String: Copytrade_V1_AccountView] = [:]
        for a in scenario.accounts { views[a.id] = try? await sequencer.accountView(a.id) }
        let summary = try RunSummary.make(setups: scenario.accounts, views: views, state: state, events: events)
        return (events, summary, recorder.series, refusals, total, timeline.lost)
    }
}
