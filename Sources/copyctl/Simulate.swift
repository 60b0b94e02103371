import ArgumentParser
import Calculators
import CopyTradeCore
import Foundation
import Simulation

/// `copyctl simulate SCENARIO`: runs a scenario file through a coordinator in this process on a
/// simulated clock and writes the journal, `history.csv`/`history.jsonl` and `report.html`.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario file (docs/scenarios.md) through an in-process coordinator; write history and an HTML report.",
        discussion: "Mistakes in the file are refused before anything runs, naming file:line, the key and the rule (exit 1)."
    )

    @Argument(help: "The scenario file (YAML).") var scenario: String
    @Option(help: "Output folder (default: ./out/<scenario name>).") var out: String?
    @Option(help: "Run variants side by side: sync=on,off | automargin=on,off | preset=bingx,bybit.") var compare: String?
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runReporting(json: global.json) {
            let parsed: Scenario
            do { parsed = try ScenarioParser.load(path: scenario) } catch let e as ScenarioError {
                throw DomainError.invalid("", e.description)
            }
            let comparison = try compare.map { text throws(DomainError) in try Comparison(parsing: text) }
            let simulation = Simulation(scenario: parsed, outDirectory: out, comparison: comparison)
            let progress = SimulateProgress(enabled: !global.json)
            progress.begin(parsed.name)
            let runner = SimulationRunner(progress: { done, total in progress.update(done: done, total: total) })
            let results: [SimulationResult]
            do { results = try await simulation.run(runner) } catch {
                progress.finish()
                throw error
            }
            progress.finish()
            if global.json {
                print(Self.json(results, simulation: simulation).json)
            } else {
                print(Self.text(results, simulation: simulation))
            }
        }
    }

    static func text(_ results: [SimulationResult], simulation: Simulation) -> String {
        var lines: [String] = []
        for r in results {
            lines.append("== \(r.scenario)" + (r.variant.map { " [\($0)]" } ?? "") + ": \(r.steps) steps, \(r.events.count) events in "
                         + String(format: "%.2f", r.seconds) + " s")
            lines.append(r.summary.table())
            // Refusal reasons can quote scenario input: escaped like every error message.
            for x in r.refusals { lines.append(TerminalText.escaped("refused at \(ScenarioTime.format(x.t)): \(x.what) (\(x.path)): \(x.reason)")) }
            for a in r.lost { lines.append(TerminalText.escaped("lost: \(a.summary) at \(ScenarioTime.format(a.at)) (\(a.path))")) }
            lines.append("history: \(r.historyCSV), \(r.historyJSONL); journal: \(r.journal)")
            lines.append("")
        }
        lines.append("report: \(simulation.reportPath)")
        return lines.joined(separator: "\n")
    }

    static func json(_ results: [SimulationResult], simulation: Simulation) -> CalcOutput {
        var o = CalcOutput()
        o.add("scenario", simulation.scenario.name)
        o.add("report", simulation.reportPath)
        var runs: [CalcOutput] = []
        for r in results {
            var run = CalcOutput()
            run.add("variant", r.variant.map(CalcOutput.Value.text) ?? .null)
            run.add("out", r.outDirectory)
            run.add("history", r.historyJSONL)
            run.add("steps", .integer(Int64(r.steps)))
            run.add("events", .integer(Int64(r.events.count)))
            run.add("insurance", r.summary.insurance)
            run.add("accounts", .list(r.summary.accounts.map { a in
                var x = CalcOutput()
                x.add("account", a.id)
                x.add("role", a.role.rawValue)
                x.add("equity", a.equity)
                x.add("realizedPnl", a.realizedPnl)
                x.add("fees", a.fees)
                x.add("syncAdded", a.syncAdded)
                x.add("syncReduced", a.syncReduced)
                x.add("syncSkipped", .integer(Int64(a.syncSkipped)))
                x.add("autoMarginAdded", a.autoMarginAdded)
                x.add("liquidations", .integer(Int64(a.liquidations)))
                x.add("takeProfits", .integer(Int64(a.takeProfits)))
                x.add("stopLosses", .integer(Int64(a.stopLosses)))
                x.add("relationStops", .integer(Int64(a.relationStops)))
                x.add("profitSharePaid", a.profitSharePaid)
                x.add("profitShareReceived", a.profitShareReceived)
                return x
            }))
            run.add("refused", .list(r.refusals.map { x in
                var e = CalcOutput()
                e.add("t", ScenarioTime.format(x.t))
                e.add("input", x.what)
                e.add("path", x.path)
                e.add("reason", x.reason)
                return e
            }))
            run.add("lost", .list(r.lost.map { a in
                var e = CalcOutput()
                e.add("input", a.summary)
                e.add("path", a.path)
                return e
            }))
            runs.append(run)
        }
        o.add("runs", .list(runs))
        return o
    }
}
