import CopyTradeCore
import Testing

/// SPEC §5's rules about time: stale signals, the reorder window, and scope.
@Suite("Margin sync timing", .timeLimit(.minutes(3)))
struct MarginSyncTimingTests {
    /// The copiers follow two minutes back, so the signal is in scope and only its age counts
    /// (a signal older than the relation is `out_of_scope` first).
    @Test("a signal delivered 61 s after it occurred is dropped for every copier")
    func staleSignalIsDropped() async throws {
        let d = try await SeedScenario.start(followAt: nowMs() - 120_000)
        var before: [String: Decimal8] = [:]
        for c in SeedScenario.copiers { before[c.id] = try await d.margin(of: c.id) }
        try await d.must("trader", "margin", "add", "T", "BTCUSDT", "100", "--at", "\(nowMs() - 61_000)")
        let sync = try await d.waitForEvents(kind: "sync.", count: 1 + SeedScenario.copiers.count)
        #expect(try await d.margin(of: "T") == Dec.of("1100"))
        for c in SeedScenario.copiers {
            let e = sync.of(c.id)
            #expect(e.count == 1)
            #expect(e.first?.string("kind") == "sync.skipped", "\(c.id): \(e)")
            #expect(e.first?.string("reason") == "stale", "\(c.id): \(e)")
            #expect(try await d.margin(of: c.id) == before[c.id], "\(c.id)")
        }
        #expect(try await d.status().int("heldSignals") == 0)
        #expect(await d.stop() == 0)
    }

    /// The later-occurring +200 arrives first, the +100 that occurred 200 ms earlier second;
    /// both within a 2 s reorder window. Applied in occurrence order, C can pay the first
    /// (+412.51666666) but not then the second; in arrival order it would pay +990.04 instead.
    @Test("signals arriving out of order within the window are applied in occurrence order")
    func outOfOrderSignalsAreReordered() async throws {
        // Sent one after the other (the later-occurring one first, so the arrival order is
        // certain), within a window wide enough for two copyctl launches on a loaded machine.
        // Should the second still arrive after the first was released, the premise is not met
        // and the test tries again.
        let window: Int64 = 2_000
        for _ in 1...3 {
            // Followed a minute back: the earlier signal must not predate the relations.
            let d = try await SeedScenario.start(reorderWindowMs: Int(window), followAt: nowMs() - 60_000)
            let t0 = nowMs()
            let late = try await d.must("trader", "margin", "add", "T", "BTCUSDT", "200", "--at", "\(t0)")
            let early = try await d.must("trader", "margin", "add", "T", "BTCUSDT", "100", "--at", "\(t0 - 200)")
            let lateEvent = try #require(late.events.kind("margin.added").first)
            let earlyEvent = try #require(early.events.kind("margin.added").first)
            let received = nowMs()
            guard (earlyEvent.int("sequence") ?? 0) > (lateEvent.int("sequence") ?? 0), received - t0 < window - 300 else {
                #expect(await d.stop() == 0)
                continue
            }
            try await checkReordered(d, late: late, early: early)
            return
        }
        Issue.record("could not deliver two signals out of order within the \(window) ms window in three attempts")
    }

    private func checkReordered(_ d: Daemon, late: CtlResult, early: CtlResult) async throws {
        let sync = try await d.waitForEvents(kind: "sync.", count: 2 + 2 * SeedScenario.copiers.count)
        // Signal ids, from the trader's sync.received events of each input.
        let received = sync.kind("sync.received")
        let lateID = try #require(signalID(received.first { $0.string("key") == late.events.first?.string("key") }))
        let earlyID = try #require(signalID(received.first { $0.string("key") == early.events.first?.string("key") }))
        for c in SeedScenario.copiers {
            let outcomes = sync.of(c.id)
            #expect(outcomes.map(signalID) == [earlyID, lateID], "\(c.id) outcomes out of occurrence order: \(outcomes)")
        }
        // Ratios: the +200 on 1000 (0.2), the +100 on 1200 (1/12), each on the copy's margin then.
        let applied = try expectedMargins(start: ["A": "247.4", "B": "990", "C": "4950.2"], available: ["C": "1025.049"],
                                          steps: [("100", "1200"), ("200", "1000")])
        for c in SeedScenario.copiers {
            #expect(try await d.margin(of: c.id) == applied[c.id], "\(c.id)")
        }
        let c = sync.of("C")
        #expect(c.map { $0.string("kind") ?? "" } == ["sync.applied", "sync.skipped"], "\(sync)\n\(late.json)\n\(early.json)")
        #expect(c.last?.string("reason") == "insufficient_balance")
        #expect(try await d.margin(of: "T") == Dec.of("1300"))
        #expect(await d.stop() == 0)
    }

    @Test("a copier that followed after the adjustment occurred is out of scope")
    func laterFollowerIsOutOfScope() async throws {
        let d = try await Daemon.start()
        let t0 = nowMs()
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("deposit", "T", "100000")
        for (id, at) in [("EARLY", t0 - 30_000), ("LATE", t0)] {
            try await d.must("account", "create", id, "--role", "copier")
            try await d.must("deposit", id, "100000")
            try await d.must("follow", id, "T", "--multiplier", "1", "--at", "\(at)")
        }
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000")
        try await d.must("trader", "margin", "add", "T", "BTCUSDT", "100", "--at", "\(t0 - 10_000)")
        let sync = try await d.waitForEvents(kind: "sync.", count: 3)
        #expect(sync.of("EARLY").first?.string("kind") == "sync.applied")
        #expect(try await d.margin(of: "EARLY") == Dec.of("1089"))
        #expect(sync.of("LATE").first?.string("kind") == "sync.skipped")
        #expect(sync.of("LATE").first?.string("reason") == "out_of_scope")
        #expect(try await d.margin(of: "LATE") == Dec.of("990"))
        #expect(await d.stop() == 0)
    }

    /// "signal s-8: ..." or "signal s-8 occurred ..." → "s-8".
    private func signalID(_ e: [String: Any]?) -> String? {
        guard let detail = e?.string("detail"), detail.hasPrefix("signal ") else { return nil }
        return detail.dropFirst("signal ".count).split(whereSeparator: { $0 == " " || $0 == ":" }).first.map(String.init)
    }

    /// Copy margins after applying `(delta, traderMarginBefore)` steps in order, SPEC §5:
    /// `delta * Mc / Mt` rounded toward zero, skipped when the available balance cannot pay.
    private func expectedMargins(start: [String: String], available: [String: String],
                                 steps: [(String, String)]) throws -> [String: Decimal8] {
        var out: [String: Decimal8] = [:]
        for (id, m) in start {
            var margin = Dec.of(m)
            var free = available[id].map(Dec.of) ?? Dec.of("1000000")
            for (delta, before) in steps {
                let d = try (Dec.of(delta).exact * margin.exact).divided(by: Dec.of(before).exact, rounding: .towardZero)
                guard d <= free else { continue }
                margin = try margin + d
                free = try free - d
            }
            out[id] = margin
        }
        return out
    }
}
