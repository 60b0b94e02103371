import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// Guards against any module (docs/decisions.md, "Guards against any module"): plugins that
/// overspend, leave an auto-margin action unset, or answer the wrong number of items, launched
/// for real. Nothing is applied wrongly and the coordinator keeps serving.
@Suite("Module guards", .timeLimit(.minutes(3)))
struct ModuleGuardTests {
    static var fixture: String { Binaries.locate("misbehaving-module") }

    static func traderWithCopier(_ d: Daemon) async throws {
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("account", "create", "C", "--role", "copier")
        try await d.must("deposit", "T", "100000")
        try await d.must("deposit", "C", "1000")
        try await d.must("follow", "C", "T", "--multiplier", "1", "--leverage", "10")
        try await d.must("price", "set", "BTCUSDT", "20000")
    }

    @Test("a sizing plugin that spends ten times the copier's balance: the copy is skipped, nothing spent")
    func overspendingSizerIsRefused() async throws {
        let d = try await Daemon.start()
        try await Self.traderWithCopier(d)
        try await d.must("plugin", "swap", "sizing", "--start-timeout-ms", "30000", "--exec", Self.fixture, "sizing-overspend")
        let r = try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.02", "--price", "20000", "--leverage", "10")
        let skipped = r.events.kind("copy.skipped")
        #expect(skipped.first?.string("reason") == "insufficient_balance", "\(r.events)")
        #expect(try await d.position(of: "C") == nil)
        #expect(try await d.account("C").decimal("wallet") == Dec.of("1000"))
        try await d.checkAccountingIdentity()
        // Still serving: the built-in sizer copies the next open.
        try await d.must("plugin", "swap", "sizing", "--inprocess")
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.02", "--price", "20000", "--leverage", "10")
        #expect(try await d.position(of: "C") != nil)
        #expect(await d.stop() == 0)
    }

    @Test("a sizing plugin answering one decision fewer: the open is refused UNAVAILABLE, nothing applied")
    func shortSizingBatchIsRefused() async throws {
        let d = try await Daemon.start()
        try await Self.traderWithCopier(d)
        try await d.must("plugin", "swap", "sizing", "--start-timeout-ms", "30000", "--exec", Self.fixture, "sizing-short")
        let before = try await d.visibleState()
        let r = try await d.copyctl("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.02", "--price", "20000", "--leverage", "10")
        #expect(!r.ok)
        #expect(r.error?["code"] as? String == "UNAVAILABLE" && r.exit == 2, "\(r.summary)")
        #expect((r.error?["message"] as? String)?.contains("sizing module") == true, "\(r.summary)")
        #expect(try await d.visibleState() == before)
        try await d.must("plugin", "swap", "sizing", "--inprocess")
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.02", "--price", "20000", "--leverage", "10")
        #expect(try await d.position(of: "C") != nil)
        #expect(await d.stop() == 0)
    }

    @Test("a margin plugin leaving the auto-margin action unset: the mark is refused UNAVAILABLE, never read as 'do nothing'; retried once fixed, it adds margin")
    func unsetAutoMarginActionIsAModuleError() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "U", "--role", "trader")
        try await d.must("deposit", "U", "2505")
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "U", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        try await d.must("automargin", "on", "U", "--symbol", "BTCUSDT", "--amount", "1000")
        try await d.must("plugin", "swap", "margin", "--start-timeout-ms", "30000", "--exec", Self.fixture, "margin-no-action")
        let r = try await d.copyctl("price", "set", "BTCUSDT", "18069.2")
        #expect(!r.ok && r.error?["code"] as? String == "UNAVAILABLE" && r.exit == 2, "\(r.summary)")
        #expect(try await d.position(of: "U")?.decimal("margin") == Dec.of("1000"))
        try await d.must("plugin", "swap", "margin", "--inprocess")
        let retry = try await d.must("price", "set", "BTCUSDT", "18069.2")
        #expect(retry.events.kind("automargin.added").first?.decimal("amount") == Dec.of("1000"), "\(retry.events)")
        #expect(await d.stop() == 0)
    }

    @Test("a margin plugin answering one evaluation fewer: the fan-out is refused UNAVAILABLE, nothing applied")
    func shortEvaluationBatchIsRefused() async throws {
        let d = try await Daemon.start()
        try await Self.traderWithCopier(d)
        try await d.must("plugin", "swap", "margin", "--start-timeout-ms", "30000", "--exec", Self.fixture, "margin-short")
        let before = try await d.visibleState()
        let r = try await d.copyctl("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.02", "--price", "20000", "--leverage", "10")
        #expect(!r.ok && r.error?["code"] as? String == "UNAVAILABLE" && r.exit == 2, "\(r.summary)")
        #expect(try await d.visibleState() == before)
        try await d.must("plugin", "swap", "margin", "--inprocess")
        try await d.must("status")
        #expect(await d.stop() == 0)
    }
}
