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

    // Signals arriving out of order within the window are tested in process, on a manual clock
    // (CoordinatorTests/SyncTimingTests): a wall clock can only make that premise likely.

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
}
