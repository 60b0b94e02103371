import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
@testable import Simulation

/// Rollout phases in scenario files: `engine.rollout` (inline or a rollout file) and
/// `do: rollout` at a time (docs/scenarios.md).
@Suite("Scenario rollout", .timeLimit(.minutes(3)))
struct RolloutScenarioTests {
    /// Outcome per copier and signal: `applied` or the skip reason, in signal order.
    private func outcomes(_ r: SimulationResult, _ copier: String) -> [String] {
        r.events.filter { ($0.kind == "sync.applied" || $0.kind == "sync.skipped") && $0.accountID == copier }
            .map { $0.kind == "sync.applied" ? "applied" : $0.reason }
    }

    @Test("the reference schedule through a summer: each trader synced from its phase, until the rollback narrows it")
    func seedRollout() async throws {
        let dir = Paths.temporary("ro")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await simulate("seed-rollout.yaml", into: dir)
        #expect(outcomes(r, "CM") == ["not_eligible", "applied", "applied", "applied", "applied"])
        #expect(outcomes(r, "CL") == ["not_eligible", "not_eligible", "applied", "applied", "applied"])
        #expect(outcomes(r, "CC") == ["not_eligible", "not_eligible", "not_eligible", "applied", "not_eligible"])
        // 10% each time: 990 * 1.1^n for the signals applied.
        #expect(r.summary.accounts.first { $0.id == "CM" }?.syncAdded == "459.459")
        #expect(r.summary.accounts.first { $0.id == "CL" }?.syncAdded == "327.69")
        #expect(r.summary.accounts.first { $0.id == "CC" }?.syncAdded == "99")
        let set = try #require(r.events.first { $0.kind == "rollout.set" })
        #expect(set.atMs == Scenario.epochMs + 4_776 * 3_600_000)
        #expect(set.detail == "1 phase: spain-and-mexico from 2026-07-09T00:00:00Z")
        #expect(r.refusals.isEmpty)
    }

    static let header = """
    name: ro
    accounts:
      - {id: T1, role: trader, deposit: "100000", market: ES}
      - {id: C1, role: copier, deposit: "100000"}
    follows:
      - {copier: C1, trader: T1, multiplier: "1", leverage: 10}

    """

    @Test("phase starts may be scenario times; a rollout action reads a file; --compare sync=off drops it")
    func inlineAndFile() async throws {
        let dir = Paths.temporary("ro2")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "phases:\n  - { name: all, start: 3h, everyone: true }\n".write(toFile: dir + "/later.yaml", atomically: true, encoding: .utf8)
        let yaml = Self.header + """
        engine:
          rollout:
            - { name: spain, start: 1h, markets: [ES], share: "0" }
        actions:
          - {do: open, at: 0s, account: T1, symbol: BTCUSDT, side: long, qty: "0.5", price: "20000"}
          - {do: marginAdd, at: 2h, account: T1, symbol: BTCUSDT, amount: "100"}
          - {do: rollout, at: 2h30m, file: later.yaml}
          - {do: marginAdd, at: 3h, account: T1, symbol: BTCUSDT, amount: "110"}
        """
        let scenario = try ScenarioParser.parse(yaml, file: dir + "/ro.yaml", base: dir)
        #expect(scenario.engine.rollout.map(\.startsMs) == [Scenario.epochMs + 3_600_000])
        guard case .rollout(let phases) = try #require(scenario.actions.last { if case .rollout = $0.kind { true } else { false } }).kind else {
            Issue.record("no rollout action")
            return
        }
        #expect(phases.map(\.startsMs) == [Scenario.epochMs + 3 * 3_600_000])
        let results = try await Simulation(scenario: scenario, outDirectory: dir + "/out", comparison: try Comparison(parsing: "sync=on,off"))
            .run(SimulationRunner())
        // on: a share of 0 covers nobody, then everyone from 3h (the action's file) — inclusive.
        #expect(outcomes(results[0], "C1") == ["not_eligible", "applied"])
        // off: nobody, and the scripted change is dropped with the rest of the rollout.
        #expect(outcomes(results[1], "C1") == ["not_eligible", "not_eligible"])
        #expect(!results[1].events.contains { $0.kind == "rollout.set" })
    }

    static let refusals: [(String, String)] = [
        ("engine:\n  rollout:\n    - { name: a, start: 2h, everyone: true }\n    - { name: b, start: 1h, markets: [ES] }\n",
         "ro.yaml:10: engine.rollout[1].start: 2026-01-01T01:00:00Z is before engine.rollout[0].start 2026-01-01T02:00:00Z; list phases in start order"),
        ("actions:\n  - {do: rollout, at: 1h, phases: [{ name: a, start: 0s, share: \"1.5\" }]}\n",
         "ro.yaml:8: actions[0].phases[0].share: must be between 0 and 1, got 1.5"),
        ("actions:\n  - {do: rollout, at: 1h}\n", "ro.yaml:8: actions[0].phases: needs phases: (a list) or file: (a rollout file)"),
        ("actions:\n  - {do: rollout, at: 1h, phases: [{ name: a, start: soon, everyone: true }]}\n",
         "ro.yaml:8: actions[0].phases[0].start: must be a date (2026-07-02), an ISO 8601 time with its zone (2026-07-02T00:00:00Z) or ms since the epoch or a scenario time (1h30m), got \"soon\""),
    ]

    @Test("a bad rollout in a scenario is refused before the run, with its line and path", arguments: refusals)
    func refused(_ c: (String, String)) {
        let e = #expect(throws: ScenarioError.self) { try ScenarioParser.parse(Self.header + c.0, file: "ro.yaml", base: ".") }
        #expect(e?.description == c.1)
    }
}
