import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// Cross margin through the daemon and `copyctl` (SPEC §7, docs/decisions.md "Cross margin"):
/// an unrealized cross loss is money the account no longer has.
@Suite("Cross margin", .timeLimit(.minutes(3)))
struct CrossMarginTests {
    /// The copier of the independent check: 3,000 deposited, a cross copy of 0.495 BTCUSDT long
    /// at 20,000 (margin 990, fee 4.95). At mark 16,000 its unrealized loss is 1,980.
    @Test("a cross loss is not available: withdraw 2000 at mark 16000 is refused naming the rule; equity and risk show the loss",
          .enabled(if: ModuleConfiguration.current != .marginC))
    func withdrawalAfterCrossLossIsRefused() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("account", "create", "X", "--role", "copier")
        try await d.must("deposit", "T", "100000")
        try await d.must("deposit", "X", "3000")
        try await d.must("follow", "X", "T", "--multiplier", "1", "--leverage", "10", "--margin-mode", "cross")
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        let copy = try #require(try await d.position(of: "X"))
        #expect(copy.decimal("quantity") == Dec.of("0.495"))
        #expect(try await d.account("X").decimal("available") == Dec.of("2005.05"))

        try await d.must("price", "set", "BTCUSDT", "16000")
        let x = try await d.account("X")
        // available = wallet 2995.05 - cross margin 990 + min(0, -1980) = 25.05
        #expect(x.decimal("available") == Dec.of("25.05"), "\(x)")
        // equity = wallet + unrealized PnL of every position = 2995.05 - 1980
        #expect(x.decimal("equity") == Dec.of("1015.05"), "\(x)")
        let shown = try #require(try await d.position(of: "X"))
        #expect(shown.decimal("unrealizedPnl") == Dec.of("-1980"), "\(shown)")
        #expect((shown.decimal("maintenanceRequirement") ?? .zero).isPositive, "\(shown)")
        #expect((shown.decimal("riskRate") ?? .zero).isPositive, "\(shown)")

        let refused = try await d.copyctl("withdraw", "X", "2000")
        #expect(!refused.ok)
        #expect(refused.errorField == "amount", "\(refused.summary)")
        #expect((refused.error?["message"] as? String)?.contains("available balance 25.05") == true, "\(refused.summary)")
        // Nothing changed: the wallet is intact and no withdrawal is in the history.
        #expect(try await d.account("X").decimal("wallet") == Dec.of("2995.05"))
        #expect(try await d.history(kind: "withdrawal", account: "X").isEmpty)

        // What the loss leaves can go, but not so much that the account becomes liquidatable.
        try await d.must("withdraw", "X", "25.05")
        try await d.must("price", "set", "BTCUSDT", "15990")
        #expect(try await d.history(kind: "liquidated", account: "X").isEmpty)
        // Only the trader's isolated long (liquidation price 18069.2) went to insurance.
        #expect(try await d.status().decimal("insurance") == Dec.of("1000"))
        try await d.checkAccountingIdentity()
        _ = await d.stop()
    }

    /// The second finding: T1's cross loss realized by a close must not block marks for anyone,
    /// and the other trader's isolated long is liquidated with its margin going to insurance.
    @Test("a realized cross loss never blocks a mark: every liquidation on the symbol proceeds",
          .enabled(if: ModuleConfiguration.current != .marginC))
    func crossLossDoesNotBlockMarks() async throws {
        let d = try await Daemon.start()
        for id in ["T1", "T2"] { try await d.must("account", "create", id, "--role", "trader") }
        try await d.must("deposit", "T1", "1200")
        try await d.must("deposit", "T2", "10000")
        for (s, p) in [("BTCUSDT", "20000"), ("ETHUSDT", "1500"), ("SOLUSDT", "100")] { try await d.must("price", "set", s, p) }
        try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.4", "--price", "20000", "--leverage", "10")
        try await d.must("trader", "open", "T1", "ETHUSDT", "--side", "long", "--qty", "1", "--price", "1500", "--leverage", "10", "--margin-mode", "cross")
        try await d.must("trader", "open", "T1", "SOLUSDT", "--side", "short", "--qty", "10", "--price", "100", "--leverage", "10", "--margin-mode", "cross")
        try await d.must("trader", "open", "T2", "BTCUSDT", "--side", "long", "--qty", "0.4", "--price", "20000", "--leverage", "10")
        try await d.must("price", "set", "SOLUSDT", "50")
        try await d.must("price", "set", "ETHUSDT", "1000")
        try await d.must("trader", "close", "T1", "ETHUSDT")
        // The SOL short's unrealized profit (500) backs the realized ETH loss: no liquidation yet.
        #expect(try await d.position(of: "T1", "SOLUSDT") != nil)
        let set = try await d.copyctl("price", "set", "BTCUSDT", "18000")
        #expect(set.ok, "\(set.summary)")
        #expect(try await d.position(of: "T2") == nil, "T2's isolated long survived 18000")
        #expect(try await d.position(of: "T1") == nil, "T1's isolated long survived 18000")
        #expect(try await d.status().decimal("insurance") == Dec.of("1600"))
        // SOL back to 100: the unrealized profit is gone and T1's cross equity with it; the
        // cross positions are liquidated and the deficit is the insurance ledger's, never T1's
        // (already liquidated) isolated margin.
        try await d.must("price", "set", "SOLUSDT", "100")
        #expect(try await d.position(of: "T1", "SOLUSDT") == nil)
        let t1 = try await d.account("T1")
        #expect(t1.decimal("wallet") == .zero, "\(t1)")
        #expect(t1.decimal("available") == .zero, "\(t1)")
        try await d.checkAccountingIdentity()
        _ = await d.stop()
    }
}
