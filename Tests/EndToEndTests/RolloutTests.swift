import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// SPEC §5, gradual rollout: phases from the configuration (`engine.rollout`) or set at run time
/// (`copyctl rollout set`), a signal synced only when its trader was eligible at the signal's
/// occurrence time, the setting journaled (restarts keep it) and bad phases refused by field.
///
/// Traders are chosen by their share bucket (FNV-1a 64 of the id, % 10 000): MARIA 2421 and
/// CAMILLE 622 are inside a 0.25 share (< 2500), LUIS 8526 is not.
@Suite("Margin-sync rollout", .timeLimit(.minutes(3)))
struct RolloutTests {
    static let traders = [("MARIA", "ES", "CM"), ("LUIS", "MX", "CL"), ("CAMILLE", "FR", "CC")]

    /// Three phases that all started a few seconds ago; every signal is received after the last
    /// one started, so only the occurrence time can tell the signals apart.
    @Test("a signal is synced only when its trader was eligible at its occurrence time, across phase changes")
    func eligibilityAtOccurrence() async throws {
        // Whole seconds, so the first start can be written as an ISO 8601 time exactly.
        let base = nowMs() / 1_000 * 1_000
        let (p1, p2, p3) = (base - 9_000, base - 6_000, base - 3_000)
        let config = """
            engine:
              rollout:
                - { name: spanish-share, start: "\(iso(p1))", markets: [ES, MX], share: "0.25" }
                - { name: spanish, start: \(p2), markets: [ES, MX] }
                - { name: everyone, start: \(p3), everyone: true }

            """
        let d = try await Daemon.start(config: config)
        let shown = try await d.must("rollout", "show")
        #expect(shown.string("source") == "config")
        #expect(phases(shown).map { $0.string("name") ?? "" } == ["spanish-share", "spanish", "everyone"])
        #expect(phases(shown).map { $0.int("startMs") ?? 0 } == [p1, p2, p3])
        #expect(phases(shown).first?.string("share") == "0.25")
        #expect(phases(shown).first?.string("markets") == "ES,MX")

        try await d.must("price", "set", "BTCUSDT", "20000")
        for (trader, market, copier) in Self.traders {
            try await d.must("account", "create", trader, "--role", "trader", "--market", market)
            try await d.must("deposit", trader, "100000")
            try await d.must("account", "create", copier, "--role", "copier")
            try await d.must("deposit", copier, "100000")
            try await d.must("follow", copier, trader, "--multiplier", "1", "--at", "\(base - 120_000)")
            try await d.must("trader", "open", trader, "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        }
        // Each adds 10% of the trader's margin (1000, 1100, 1210, 1331): before phase 1, in
        // phase 1, in phase 2, and at the very start of phase 3 (inclusive). Oldest first, so
        // none is older than 60 s when received.
        let steps: [(at: Int64, delta: String)] = [(p1 - 1_000, "100"), (p1 + 1_000, "110"), (p2 + 1_000, "121"), (p3, "133.1")]
        for step in steps {
            for (trader, _, _) in Self.traders {
                try await d.must("trader", "margin", "add", trader, "BTCUSDT", step.delta, "--at", "\(step.at)")
            }
        }
        let sync = try await d.waitForEvents(kind: "sync.", count: 2 * steps.count * Self.traders.count)
        // Eligible from: MARIA (in the share) phase 1, LUIS (outside it) phase 2, CAMILLE (FR) phase 3.
        let expected: [String: (outcomes: [String], margin: String)] = [
            "CM": (["not_eligible", "applied", "applied", "applied"], "1317.69"),
            "CL": (["not_eligible", "not_eligible", "applied", "applied"], "1197.9"),
            "CC": (["not_eligible", "not_eligible", "not_eligible", "applied"], "1089"),
        ]
        for (trader, _, copier) in Self.traders {
            let outcomes = sync.of(copier).map { $0.string("kind") == "sync.applied" ? "applied" : ($0.string("reason") ?? "?") }
            #expect(outcomes == expected[copier]?.outcomes, "\(copier) copying \(trader): \(sync.of(copier))")
            #expect(try await d.margin(of: copier) == Dec.of(expected[copier]!.margin), "\(copier)")
            #expect(try await d.margin(of: trader) == Dec.of("1464.1"), "\(trader)")
            let received = sync.of(trader).kind("sync.received").map { $0.string("reason") ?? "" }
            #expect(received.filter { $0 == "not_eligible" }.count == expected[copier]!.outcomes.filter { $0 == "not_eligible" }.count)
        }
        #expect(await d.stop() == 0)
    }

    @Test("rollout set replaces the phases, is idempotent by key, and survives kill -9 and a clean restart")
    func setSurvivesRestarts() async throws {
        let base = nowMs()
        let d = try await Daemon.start()
        let initial = try await d.must("rollout", "show")
        #expect(initial.string("source") == "config")
        #expect(phases(initial).map { $0.string("name") ?? "" } == ["everyone"])

        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("account", "create", "LUIS", "--role", "trader", "--market", "MX")
        try await d.must("deposit", "LUIS", "100000")
        try await d.must("account", "create", "CL", "--role", "copier")
        try await d.must("deposit", "CL", "100000")
        try await d.must("follow", "CL", "LUIS", "--multiplier", "1", "--at", "\(base - 120_000)")
        try await d.must("trader", "open", "LUIS", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")

        let shareOnly = try write(d, "share.yaml", """
            phases:
              - { name: spanish-share, start: \(base - 60_000), markets: [ES, MX], share: "0.25" }
              - { name: everyone, start: \(base + 3_600_000), everyone: true }
            """)
        let set = try await d.must("rollout", "set", shareOnly, "--key", "r1")
        #expect(set.duplicate == false)
        #expect(set.events.map { $0.string("kind") ?? "" } == ["rollout.set"])
        let afterSet = try await d.must("rollout", "show")
        #expect(afterSet.string("source") == "set")
        #expect(afterSet.string("setKey") == "r1")
        #expect(phases(afterSet).map { $0.int("startMs") ?? 0 } == [base - 60_000, base + 3_600_000])
        #expect(phases(afterSet).map { $0.bool("started") } == [true, false])

        // LUIS (bucket 8526) is outside the 0.25 share: no longer eligible under the set phases.
        try await d.must("trader", "margin", "add", "LUIS", "BTCUSDT", "100")
        let first = try await d.waitForEvents(kind: "sync.", count: 2)
        #expect(first.of("CL").map { $0.string("reason") ?? "" } == ["not_eligible"])
        #expect(try await d.margin(of: "CL") == Dec.of("990"))

        // The same request and key again: the recorded answer, nothing applied. The key with
        // other phases: refused, naming the key, nothing applied either.
        let again = try await d.must("rollout", "set", shareOnly, "--key", "r1")
        #expect(again.duplicate == true)
        #expect(again.json.int("sequence") == set.json.int("sequence"))
        let everyone = try write(d, "markets.yaml", """
            phases:
              - { name: spanish, start: \(base - 60_000), markets: [ES, MX] }
            """)
        let reused = try await d.copyctl("rollout", "set", everyone, "--key", "r1")
        #expect(reused.exit == 1 && reused.errorField == "key", "\(reused.summary)")
        #expect(try await shownPhases(d) == phaseText(afterSet))

        // Recovery from the journal alone (no snapshot after the set).
        await d.kill9()
        try await d.launch()
        let recovered = try await d.must("rollout", "show")
        #expect(recovered.string("source") == "set" && recovered.string("setKey") == "r1")
        #expect(recovered.string("setAt") == afterSet.string("setAt"))
        #expect(phaseText(recovered) == phaseText(afterSet))

        // A new key replaces the phases; after a clean stop (a snapshot) they are still in force.
        try await d.must("rollout", "set", everyone, "--key", "r2")
        #expect(await d.stop() == 0)
        try await d.launch()
        let restarted = try await d.must("rollout", "show")
        #expect(restarted.string("setKey") == "r2")
        #expect(phases(restarted).map { $0.string("name") ?? "" } == ["spanish"])
        #expect(try await d.history(kind: "rollout.").count == 2)

        // LUIS's market is listed now: the next signal is synced (+110 on 1100, 10% of 990).
        try await d.must("trader", "margin", "add", "LUIS", "BTCUSDT", "110")
        let second = try await d.waitForEvents(kind: "sync.", count: 4)
        #expect(second.of("CL").map { $0.string("kind") ?? "" } == ["sync.skipped", "sync.applied"])
        #expect(try await d.margin(of: "CL") == Dec.of("1089"))
        #expect(await d.stop() == 0)
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var field: String
        var rule: String
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(name: "share above 1", yaml: """
            phases:
              - { name: a, start: 2026-07-02, everyone: true }
              - { name: b, start: 2026-07-09, markets: [ES], share: "1.5" }
            """, field: "phases[1].share", rule: "must be between 0 and 1"),
        BadFile(name: "phases out of order", yaml: """
            phases:
              - { name: a, start: 2026-07-09, markets: [ES] }
              - { name: b, start: 2026-07-02, everyone: true }
            """, field: "phases[1].start", rule: "is before phases[0].start"),
        BadFile(name: "unknown key", yaml: "phases:\n  - { name: a, start: 2026-07-02, shares: \"0.1\" }\n",
                field: "phases[0].shares", rule: "unknown key"),
        BadFile(name: "everyone with markets", yaml: "phases:\n  - { name: a, start: 2026-07-02, everyone: true, markets: [ES] }\n",
                field: "phases[0].everyone", rule: "cannot be combined"),
        BadFile(name: "a name twice", yaml: """
            phases:
              - { name: a, start: 2026-07-02, markets: [ES] }
              - { name: a, start: 2026-07-09, everyone: true }
            """, field: "phases[1].name", rule: "already the name of phases[0]"),
        BadFile(name: "no start", yaml: "phases:\n  - { name: a, everyone: true }\n", field: "phases[0].start", rule: "is required"),
        BadFile(name: "a start without its zone", yaml: "phases:\n  - { name: a, start: \"2026-07-02T10:00\", everyone: true }\n",
                field: "phases[0].start", rule: "with its zone"),
        BadFile(name: "no market listed", yaml: "phases:\n  - { name: a, start: 2026-07-02, markets: [] }\n",
                field: "phases[0].markets", rule: "at least one"),
        BadFile(name: "nobody covered", yaml: "phases:\n  - { name: a, start: 2026-07-02 }\n",
                field: "phases[0]", rule: "needs markets, regions, share or everyone"),
    ]

    @Test("a bad rollout file is refused naming the field and the rule, and changes nothing", arguments: badFiles)
    func badFileIsRefused(_ bad: BadFile) async throws {
        let d = try await Daemon.start()
        let good = try write(d, "good.yaml", "phases:\n  - { name: spain, start: 2026-07-02, markets: [ES] }\n")
        try await d.must("rollout", "set", good, "--key", "good")
        let before = try await d.must("rollout", "show")
        let sequence = try await d.status().int("lastSequence")

        let r = try await d.copyctl("rollout", "set", try write(d, "bad.yaml", bad.yaml), "--key", "bad")
        #expect(r.exit == 1, "\(r.summary)")
        #expect(r.errorField == bad.field, "\(r.summary)")
        #expect((r.error?["message"] as? String)?.contains(bad.rule) == true, "\(r.summary)")
        #expect(r.stderr.contains("\(bad.field): "), "\(r.summary)")

        #expect(phaseText(try await d.must("rollout", "show")) == phaseText(before))
        #expect(try await d.status().int("lastSequence") == sequence)
        #expect(await d.stop() == 0)
    }

    @Test("a bad engine.rollout in the configuration stops copytraded before it starts, naming the key")
    func badConfigurationIsRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-rollout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = dir + "/config.yaml"
        try "engine:\n  rollout:\n    - { name: a, start: 0, everyone: true }\n    - { name: b, start: 1, share: \"2\" }\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let o = try await ChildProcess.run(Binaries.copytraded, ["--data", dir + "/data", "--socket", dir + "/s.sock", "--config", config],
                                           timeLimit: .seconds(60))
        #expect(o.status == 78, "\(o)")
        #expect(o.stderr.contains("config.yaml: engine.rollout[1].share: must be between 0 and 1, got 2"), "\(o)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/s.sock"))
    }

    // MARK: Helpers

    /// `2026-07-02T00:00:00Z` of a whole second.
    private func iso(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date(timeIntervalSince1970: TimeInterval(ms / 1_000)))
    }

    private func phases(_ r: CtlResult) -> [[String: Any]] { r.json["phases"] as? [[String: Any]] ?? [] }

    /// The phases as shown, for comparing two `rollout show` answers (their `now` differs).
    private func phaseText(_ r: CtlResult) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: phases(r), options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private func shownPhases(_ d: Daemon) async throws -> String { phaseText(try await d.must("rollout", "show")) }

    private func write(_ d: Daemon, _ name: String, _ text: String) throws -> String {
        let path = d.dataDir + "/" + name
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension Dictionary where Key == String, Value == Any {
    fileprivate func bool(_ key: String) -> Bool? { self[key] as? Bool }
}
