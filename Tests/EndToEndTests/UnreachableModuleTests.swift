import CopyTradeCore
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 10: while the margin module cannot be reached, `position list` and `account show`
/// printed a liquidation price of 0 and a risk of 0% with exit 0. They now print the stored
/// liquidation price and say the figures at the mark are unavailable.
@Suite("Unreachable margin module", .timeLimit(.minutes(3)))
struct UnreachableModuleTests {
    /// The margin module runs as a `copytrade-module` process (so the figures are the built-in
    /// strategy's in every configuration) and is frozen with SIGSTOP: its connection stays open
    /// and every call meets the 500 ms call deadline, as with a dead host, without the
    /// supervisor's restart racing the reads. SIGCONT afterwards lets the daemon stop cleanly.
    @Test("a frozen margin plugin: the stored liquidation price 18069.26545735 and 'unavailable', never 0 or 0%")
    func figuresUnavailable() async throws {
        let d = try await Daemon.start()
        try await d.must("plugin", "swap", "margin", "--call-timeout-ms", "500", "--exec", Binaries.locate("copytrade-module"), "margin")
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("deposit", "T", "10000")
        try await d.must("price", "set", "BTCUSDT", "19000")
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        let reachable = try #require(try await d.position(of: "T"))
        #expect(reachable.string("liquidationPrice") == "18069.2")
        let list = try await d.must("plugin", "list")
        let margin = try #require((list.json["modules"] as? [[String: Any]])?.first { $0["module"] as? String == "margin" })
        let pid = pid_t(try #require(margin["pid"] as? Int))
        #expect(kill(pid, SIGSTOP) == 0)
        defer { kill(pid, SIGCONT) }

        let shown = try #require(try await d.position(of: "T"))
        #expect(shown.string("liquidationPrice") == "18069.26545735", "\(shown)")
        #expect(shown.string("mark") == "19000", "\(shown)")
        #expect(shown.string("riskRate") == "unavailable", "\(shown)")
        #expect(shown.string("maintenanceRequirement") == "unavailable", "\(shown)")
        #expect(shown.string("unrealizedPnl") == "unavailable", "\(shown)")

        let account = try await d.account("T")
        #expect(account.string("equity") == "unavailable", "\(account)")
        let inAccount = try #require((account["positions"] as? [[String: Any]])?.first)
        #expect(inAccount.string("liquidationPrice") == "18069.26545735", "\(inAccount)")
        #expect(inAccount.string("riskRate") == "unavailable", "\(inAccount)")

        // The table people read: the stored price in LIQ, "unavailable" in RISK.
        let table = try await ChildProcess.run(Binaries.copyctl, ["--socket", d.socket, "position", "list"])
        #expect(table.status == 0)
        let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix("p-") }).split(separator: " ").map(String.init)
        #expect(row.contains("18069.26545735"), "\(table.stdout)")
        #expect(row.contains("unavailable"), "\(table.stdout)")
        #expect(!row.contains("0%") && !row.contains("0"), "\(table.stdout)")

        #expect(kill(pid, SIGCONT) == 0)
        #expect(await d.stop() == 0)
    }
}
