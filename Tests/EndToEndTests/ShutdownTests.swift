import CopyTradeCore
import Testing

/// SIGTERM drains and exits 0; the next start shows exactly the state it left.
@Suite("Graceful shutdown", .timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test("SIGTERM exits 0 and a restart shows the same state")
    func restartShowsSameState() async throws {
        let d = try await SeedScenario.start()
        try await d.must("trader", "margin", "add", "T", "BTCUSDT", "500")
        _ = try await d.waitForEvents(kind: "sync.", count: 4)
        try await d.must("withdraw", "A", "10.5")
        // A copier account only copies (docs/decisions.md): the resting order is the trader's.
        try await d.must("trader", "order", "place", "T", "BTCUSDT", "--side", "long", "--qty", "0.1", "--price", "19000")
        let state = try await d.visibleState()
        let history = try await d.history()
        #expect(await d.stop() == 0)
        try await d.launch()
        #expect(try await d.visibleState() == state)
        #expect(try await d.history().count == history.count)
        // The restarted daemon keeps going from where it stopped.
        let r = try await d.must("deposit", "A", "1")
        #expect(r.json.int("sequence") == (try await d.status().int("lastSequence")))
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }

    @Test("a signal held in the reorder window at SIGTERM is applied after the restart")
    func heldSignalSurvivesRestart() async throws {
        let d = try await SeedScenario.start(reorderWindowMs: 3_000)
        try await d.must("trader", "margin", "add", "T", "BTCUSDT", "500")
        #expect(try await d.status().int("heldSignals") == 1)
        #expect(await d.stop() == 0)
        try await d.launch()
        let sync = try await d.waitForEvents(kind: "sync.", count: 4)
        #expect(sync.of("A").first?.string("kind") == "sync.applied")
        #expect(try await d.margin(of: "A") == Dec.of("371.1"))
        #expect(try await d.margin(of: "B") == Dec.of("1485"))
        #expect(sync.of("C").first?.string("reason") == "insufficient_balance")
        #expect(try await d.status().int("heldSignals") == 0)
        #expect(await d.stop() == 0)
    }
}
