import CopyTradeCore
import Foundation
import Testing

/// docs/protections.md and docs/journal.md: every setting, trigger, relation result and share
/// is journaled and recovered exactly, from the journal after `kill -9` and from the snapshot
/// after a clean stop; the recovered trigger index still fires.
@Suite("Protections recovered", .timeLimit(.minutes(3)))
struct ProtectionRecoveryTests {
    /// Everything of the protections a user can see: relations with their settings and
    /// results, positions with triggers, accounts with shares, the status.
    func seen(_ d: Daemon) async throws -> String {
        let relations = try await d.must("relation", "list").json["relations"] ?? []
        var status = try await d.status()
        status["startedMs"] = nil
        status["nextSettlementMs"] = nil
        status["nextSettlement"] = nil
        let parts: [Any] = [relations, try await d.accounts(), try await d.positions(), status]
        return String(decoding: try JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test("after kill -9 and after a clean restart the same relations, triggers and shares; the stop loss still fires at its price")
    func recovered() async throws {
        let d = try await Daemon.start()
        for (id, role, amount) in [("T1", "trader", "100000"), ("C1", "copier", "5000"), ("C2", "copier", "10000"), ("C3", "copier", "10000")] {
            _ = try await d.must("account", "create", id, "--role", role)
            _ = try await d.must("deposit", id, amount)
        }
        _ = try await d.must("account", "set", "T1", "--profit-share-ratio", "0.1", "--max-copiers", "5")
        _ = try await d.must("follow", "C1", "T1", "--multiplier", "0.25", "--leverage", "10", "--tp-ratio", "0.5", "--sl-ratio", "0.3")
        _ = try await d.must("follow", "C2", "T1", "--multiplier", "1", "--leverage", "10", "--stop-loss-amount", "100",
                             "--close-policy", "market", "--symbols", "BTCUSDT,ETHUSDT", "--max-daily-margin", "5000")
        _ = try await d.must("follow", "C3", "T1", "--multiplier", "1", "--leverage", "10")
        _ = try await d.must("price", "set", "BTCUSDT", "20000")
        _ = try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000")
        _ = try await d.must("trader", "close", "T1", "BTCUSDT", "--qty", "0.1", "--price", "20500")
        _ = try await d.must("settle")
        _ = try await d.must("relation", "set", "C3", "T1", "--sl-ratio", "0.2")
        _ = try await d.must("price", "set", "BTCUSDT", "19900")
        let before = try await seen(d)
        #expect(before.contains("19400"), "C1's stop loss should show: \(before)")

        // From the journal: killed, nothing flushed on the way out.
        await d.kill9()
        try await d.launch()
        #expect(try await seen(d) == before)
        // From the snapshot a clean stop writes.
        #expect(await d.stop() == 0)
        try await d.launch()
        #expect(try await seen(d) == before)

        // The recovered index: C3's new stop (E*(1 - 0.2/10) = 19600) and C1's (19400) still fire.
        _ = try await d.must("price", "set", "BTCUSDT", "19600")
        let stops = try await d.history(kind: "copy.stop_loss")
        #expect(stops.map { $0.string("account") } == ["C3"], "\(stops)")
        _ = try await d.must("price", "set", "BTCUSDT", "19400")
        #expect(try await d.history(kind: "copy.stop_loss").map { $0.string("account") } == ["C3", "C1"])
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }
}
