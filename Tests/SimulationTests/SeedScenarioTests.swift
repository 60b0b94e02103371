import CopyTradeCore
import Foundation
import Testing
@testable import Simulation

/// The example scenarios reproduce SPEC's numbers through the real coordinator.
@Suite("Seed scenarios", .timeLimit(.minutes(3)))
struct SeedScenarioTests {
    @Test("auto margin adds 1000 then 500 and liquidates at 15057.7 (SPEC §3)")
    func autoMarginWalk() async throws {
        let dir = Paths.temporary("am")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await simulate("seed-auto-margin.yaml", into: dir)
        let added = r.events.filter { $0.kind == "automargin.added" && $0.accountID == "A" }
        #expect(added.map { Decimal8(units: $0.amountE8) } == ["1000", "500"])
        #expect(added.map { Decimal8(units: $0.priceE8) } == ["18069.2", "16061.5"])
        let liquidated = try #require(r.events.first { $0.kind == "liquidated" && $0.accountID == "A" })
        #expect(liquidated.detail.hasPrefix("mark 15057.7;"))
        #expect(liquidated.atMs - Scenario.epochMs == 60_000)
        let a = try #require(r.summary.accounts.first { $0.id == "A" })
        #expect(a.autoMarginAdded == "1500")
        #expect(a.liquidations == 1)
        #expect(r.summary.insurance == "2500")
    }

    @Test("a +50% margin add grows every copy by 50% except the one short of balance (SPEC §5)")
    func marginSync() async throws {
        let dir = Paths.temporary("ms")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await simulate("seed-margin-sync.yaml", into: dir)
        for id in ["C1", "C2", "C3"] {
            let opened = try #require(r.events.first { $0.kind == "copy.opened" && $0.accountID == id })
            let margin = Decimal8(units: opened.amountE8)
            let row = try #require(r.summary.accounts.first { $0.id == id })
            if id == "C3" {
                #expect(row.syncAdded == .zero)
                #expect(r.events.contains { $0.kind == "sync.skipped" && $0.accountID == "C3" && $0.reason == "insufficient_balance" })
            } else {
                #expect(row.syncAdded == (try margin.divided(by: 2, rounding: .towardZero)), "\(id)")
            }
        }
        // The reduction: the same ratio, C3 capped at its maximum reducible margin.
        #expect(r.summary.accounts.map(\.syncReduced) == ["74.22", "297", "445.518", "0"])
    }

    @Test("a signal 61 s late is stale; two reordered ones apply in occurrence order; a lost one never")
    func lateAndReordered() async throws {
        let dir = Paths.temporary("lr")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await simulate("seed-late-and-reordered.yaml", into: dir)
        #expect(r.events.filter { $0.kind == "sync.skipped" && $0.reason == "stale" }.count == 2)
        let applied = r.events.filter { $0.kind == "sync.applied" && $0.accountID == "C1" }.map(\.detail)
        #expect(applied.count == 2)
        #expect(applied.first?.hasPrefix("signal s-8") == true, "the 50 that occurred first applies first: \(applied)")
        #expect(r.lost.count == 1)
    }

    @Test("every module launched as a plugin (fd 3) writes the same history as every module in process")
    func modulesOutOfProcess() async throws {
        let dir = Paths.temporary("oop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let module = CommandLine.binary("copytrade-module")
        var yaml = try String(contentsOfFile: Paths.example("seed-margin-sync.yaml"), encoding: .utf8)
        #expect(!yaml.contains("\nmodules:"), "the seed scenario already routes its modules")
        yaml += "\nmodules:\n" + ["pricing", "margin", "sizing", "sync"].map {
            "  \($0): { exec: [\"\(module)\", \"\($0)\"], mode: fd3 }\n"
        }.joined()
        let routed = (dir as NSString).appendingPathComponent("seed-margin-sync.yaml")
        try yaml.write(toFile: routed, atomically: true, encoding: .utf8)

        let inProcess = try await CommandLine.copyctl(["simulate", Paths.example("seed-margin-sync.yaml"), "--out", dir + "/in"])
        #expect(inProcess.status == 0, "\(inProcess)")
        let plugins = try await CommandLine.copyctl(["simulate", routed, "--out", dir + "/out"])
        #expect(plugins.status == 0, "\(plugins)")
        let a = try Data(contentsOf: URL(fileURLWithPath: dir + "/in/history.jsonl"))
        let b = try Data(contentsOf: URL(fileURLWithPath: dir + "/out/history.jsonl"))
        #expect(a.count > 1000)
        #expect(a == b, "history differs with the modules out of process")
    }

    @Test("the same scenario writes byte-identical history.jsonl twice")
    func deterministic() async throws {
        let a = Paths.temporary("d1"), b = Paths.temporary("d2")
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let ra = try await simulate("seed-late-and-reordered.yaml", into: a)
        let rb = try await simulate("seed-late-and-reordered.yaml", into: b)
        let x = try Data(contentsOf: URL(fileURLWithPath: ra.historyJSONL))
        let y = try Data(contentsOf: URL(fileURLWithPath: rb.historyJSONL))
        #expect(!x.isEmpty)
        #expect(x == y)
        // A random walk too: same seed, same points.
        let text = "accounts: [{id: T, role: trader}]\nmarks: {BTCUSDT: {randomWalk: {seed: 7, start: \"20000\", points: 500, intervalMs: 1000, volatility: \"0.001\"}}}\n"
        let s1 = try ScenarioParser.parse(text, file: "walk.yaml", base: ".")
        let s2 = try ScenarioParser.parse(text, file: "walk.yaml", base: ".")
        #expect(s1.marks["BTCUSDT"] == s2.marks["BTCUSDT"])
        #expect(s1.marks["BTCUSDT"]?.count == 500)
        #expect(Set(s1.marks["BTCUSDT"]!.map(\.price)).count > 100)
    }
}
