import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
@testable import Coordinator

/// Rollout phases as operators write them (docs/sizing-and-sync.md): the file form, the plan's
/// rules, the configuration's `engine.rollout`, and `SetRollout` as a journaled input.
@Suite("Rollout configuration", .timeLimit(.minutes(3)))
struct RolloutConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let example = root.appendingPathComponent("examples/rollout-spanish-markets.yaml").path
    static let spanish = ["ES", "MX", "GT", "HN", "SV", "NI", "CR", "PA", "CU", "DO", "PR", "CO", "VE", "EC", "PE", "BO", "CL", "AR", "PY", "UY", "GQ"]

    @Test("calendar times: dates at midnight UTC, zones applied, milliseconds exact, sub-milliseconds and missing zones refused")
    func utcTimes() {
        #expect(UTCTime.parse("1970-01-01") == 0)
        #expect(UTCTime.parse("2026-07-02") == 1_782_950_400_000)
        #expect(UTCTime.parse("2026-07-02T00:00:00Z") == 1_782_950_400_000)
        #expect(UTCTime.parse("2026-07-02T02:00:00+02:00") == 1_782_950_400_000)
        #expect(UTCTime.parse("2026-07-01T19:00:00.250-05:00") == 1_782_950_400_250)
        #expect(UTCTime.parse("2024-02-29") == 1_709_164_800_000)
        for bad in ["2026-07-02T10:00", "2026-07-02T10:00:00.0001Z", "2025-02-29", "2026-13-01", "2026-7-2", "July 2", "", "2026-07-02Z"] {
            #expect(UTCTime.parse(bad) == nil, "\(bad)")
        }
        #expect(UTCTime.format(1_782_950_400_000) == "2026-07-02T00:00:00Z")
        #expect(UTCTime.format(1_782_950_400_250) == "2026-07-02T00:00:00.250Z")
        #expect(UTCTime.format(1_767_225_600_000) == "2026-01-01T00:00:00Z")
    }

    @Test("the shipped example is the reference schedule: a quarter of 21 Spanish-speaking markets from 07-02, all of them from 07-09, everyone from 07-16")
    func exampleFile() throws {
        let phases = try RolloutFile.load(path: Self.example)
        try RolloutPhases.validate(phases)
        #expect(phases.map(\.name) == ["spanish-markets-share", "spanish-markets", "everyone"])
        #expect(phases.map(\.startsMs) == [1_782_950_400_000, 1_783_555_200_000, 1_784_160_000_000])
        #expect(phases.map(\.rule) == [.share, .markets, .everyone])
        #expect(phases[0].shareE8 == 25_000_000)
        #expect(phases[0].withinMarkets == Self.spanish)
        #expect(phases[1].values == Self.spanish)
        #expect(RolloutPhases.markets(of: phases[0]) == Self.spanish && RolloutPhases.share(of: phases[0]) == "0.25")
    }

    @Test("filters given together narrow each other: share with markets, markets with regions")
    func combinedFilters() throws {
        let phases = try RolloutFile.parse("""
            phases:
              - { name: a, start: 0, regions: [LATAM] }
              - { name: b, start: 1000, markets: [ES], regions: [EU] }
              - { name: c, start: 2000, share: "0.1", regions: [EU] }
              - { name: d, start: 3000, share: "1" }
            """)
        try RolloutPhases.validate(phases)
        #expect(phases.map(\.rule) == [.regions, .markets, .share, .share])
        #expect(phases[0].values == ["LATAM"])
        #expect(phases[1].values == ["ES"] && phases[1].withinRegions == ["EU"])
        #expect(phases[2].shareE8 == 10_000_000 && phases[2].withinRegions == ["EU"] && phases[2].withinMarkets.isEmpty)
        #expect(phases[3].withinMarkets.isEmpty && phases[3].withinRegions.isEmpty)
    }

    static let refusals: [(String, String, String)] = [
        ("phases:\n  - { name: a, start: 0, everyone: true }\n  - { name: b, start: 1, share: \"1.5\" }", "phases[1].share", "must be between 0 and 1, got 1.5"),
        ("phases:\n  - { name: a, start: 0, share: \"-0.1\" }", "phases[0].share", "must be between 0 and 1, got -0.1"),
        ("phases:\n  - { name: a, start: 2, everyone: true }\n  - { name: b, start: 1, everyone: true }", "phases[1].start",
         "1970-01-01T00:00:00.001Z is before phases[0].start 1970-01-01T00:00:00.002Z; list phases in start order"),
        ("phases:\n  - { name: a, start: 0, markets: [ES] }\n  - { name: a, start: 1, everyone: true }", "phases[1].name",
         "\"a\" is already the name of phases[0]"),
        ("phases:\n  - { name: \"\", start: 0, everyone: true }", "phases[0].name", "is required"),
        ("phases:\n  - { start: 0, everyone: true }", "phases[0].name", "is required"),
        ("phases:\n  - { name: a, start: 0, markets: [ES, \"\"] }", "phases[0].markets[1]", "must not be empty"),
        ("phases:\n  - { name: a, start: 0, markets: ES }", "phases[0].markets", "must be a list, e.g. [ES, MX]"),
        ("phases:\n  - { name: a, start: 0, share: \"0.5\", everyone: true }", "phases[0].everyone", "cannot be combined with markets, regions or share"),
        ("phases:\n  - { name: a, start: 0, everyone: maybe }", "phases[0].everyone", "must be true or false"),
        ("phases:\n  - { name: a, start: 0, share: 0.1e0 }", "phases[0].share", ""),
        ("phases:\n  - { name: a, start: 0, share: \"0.1\", share: \"0.2\" }", "phases[0].share", "is given twice"),
        ("phases:\n  - { name: a, start: 0 }", "phases[0]", "needs markets, regions, share or everyone: true"),
        ("phases: { name: a }", "phases", "must be a list of phases"),
        ("rollout: []", "rollout", "unknown key (expected phases)"),
        ("{}", "phases", "is required (a list of phases; [] for none)"),
    ]

    @Test("a bad phase is refused naming its field and the rule", arguments: refusals)
    func refusal(_ c: (String, String, String)) {
        let e = #expect(throws: DomainError.self) {
            try RolloutPhases.validate(try RolloutFile.parse(c.0))
        }
        #expect(e?.field == c.1, "\(String(describing: e))")
        if !c.2.isEmpty { #expect(e?.message == c.2, "\(String(describing: e))") }
    }

    @Test("an empty list is a plan: no trader is eligible")
    func emptyPlan() throws {
        let phases = try RolloutFile.parse("phases: []")
        try RolloutPhases.validate(phases)
        #expect(phases.isEmpty)
    }

    @Test("engine.rollout in the configuration: inline, or a rollout file relative to it; mistakes named with the file")
    func configuration() throws {
        let inline = try RoutingFile.parse("engine:\n  rollout:\n    - { name: es, start: 2026-07-02, markets: [ES] }\n", base: ".", file: "c.yaml")
        #expect(inline.engine.rollout.map(\.name) == ["es"])
        #expect(inline.engine.rollout.first?.values == ["ES"])
        let none = try RoutingFile.parse("engine:\n  preset: bingx\n", base: ".", file: "c.yaml")
        #expect(none.engine.rollout == RolloutPhases.everyone, "no phases configured: everyone, as before")
        let dir = Self.example.components(separatedBy: "/").dropLast().joined(separator: "/")
        let byFile = try RoutingFile.parse("engine:\n  rollout: rollout-spanish-markets.yaml\n", base: dir, file: "c.yaml")
        #expect(byFile.engine.rollout == (try RolloutFile.load(path: Self.example)))
        let e = #expect(throws: DomainError.self) {
            try RoutingFile.parse("engine:\n  rollout:\n    - { name: a, start: 0, share: \"2\" }\n", base: ".", file: "c.yaml")
        }
        #expect(e?.field == "c.yaml: engine.rollout[0].share")
        #expect(e?.message == "must be between 0 and 1, got 2")
    }

    @Test("SetRollout is an input: its phases replace the configuration's, survive the journal and a snapshot, and bad ones change nothing")
    func setRolloutInput() async throws {
        var config = EngineConfig()
        config.rollout = []
        let engine = Engine(modules: .inProcess(), config: config)
        var state = EngineState()
        let phases = try RolloutFile.load(path: Self.example)
        var input = Copytrade_V1_Input()
        input.receivedMs = 1_782_000_000_000
        input.setRollout.phases = phases
        let changes = try await engine.decide(input, key: "r-1", state: state)
        #expect(changes.rollout?.phases == phases)
        #expect(changes.rollout?.key == "r-1" && changes.rollout?.setMs == 1_782_000_000_000)
        #expect(changes.events.map(\.kind) == ["rollout.set"])
        #expect(engine.rolloutPhases(EngineTransaction(base: state, inputKey: "", nowMs: 0)) == [])
        state.apply(changes)
        #expect(engine.rolloutPhases(EngineTransaction(base: state, inputKey: "", nowMs: 0)) == phases)

        // The journal's form and the snapshot's give the same setting back.
        let outcomeBytes = try OutcomeWire.encoded(changes)
        let journaled = OutcomeWire.changes(try Copytrade_V1_Outcome(serializedBytes: outcomeBytes))
        #expect(journaled.rollout == changes.rollout)
        #expect(OutcomeWire.changes(OutcomeWire.wire(StateChanges())).rollout == nil, "other inputs leave the setting alone")
        let snapshotBytes: [UInt8] = try OutcomeWire.snapshot(state, sequence: 1).serializedBytes()
        let snapshot = try Copytrade_V1_Snapshot(serializedBytes: snapshotBytes)
        #expect(OutcomeWire.state(snapshot).rollout == state.rollout)
        #expect(OutcomeWire.state(OutcomeWire.snapshot(EngineState(), sequence: 0)).rollout == nil)

        var bad = input
        bad.setRollout.phases[1].shareE8 = 1
        bad.setRollout.phases[1].startsMs = 0
        let e = await #expect(throws: DomainError.self) { try await engine.decide(bad, key: "r-2", state: state) }
        #expect(e?.field == "phases[1].start")
    }
}
