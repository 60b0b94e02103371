import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

/// SPEC §5's rules about time, on the whole coordinator in process with a manual clock: stale
/// signals, the reorder window, and scope. No wall clock, no retries.
@Suite("Margin sync timing, in process")
struct SyncTimingTests {
    @Test("a signal received 61 s after it occurred is dropped for every copier")
    func staleSignalIsDropped() async throws {
        let h = try await CoordinatorHarness()
        try await h.seedScenario(followAtMs: -120_000)
        let before = await (h.margin(of: "A"), h.margin(of: "B"), h.margin(of: "C"))
        try await h.adjust("100", occurredMs: -61_000)
        await h.at(600)
        let sync = try await h.events().filter { $0.kind.hasPrefix("sync.") && $0.accountID != "T" }
        #expect(sync.map(\.reason) == ["stale", "stale", "stale"], "\(sync)")
        #expect(await h.margin(of: "T") == "1100")
        let after = await (h.margin(of: "A"), h.margin(of: "B"), h.margin(of: "C"))
        #expect(after == before)
        #expect(await h.sequencer.snapshotOfState.heldSignals.isEmpty)
    }

    /// The later-occurring +200 arrives first, the +100 that occurred 200 ms earlier second, both
    /// within the window: applied in occurrence order, C pays the first (+412.51666666) and then
    /// cannot pay the second.
    @Test("signals arriving out of order within the window are applied in occurrence order")
    func outOfOrderSignalsAreReordered() async throws {
        let h = try await CoordinatorHarness(reorderWindowMs: 500)
        try await h.seedScenario(followAtMs: -60_000)
        await h.at(1_000)
        let late = try await h.adjust("200", occurredMs: 1_000)
        await h.at(1_100)
        let early = try await h.adjust("100", occurredMs: 800)
        // Nothing is released before the first signal's window (received at 1,000) expires.
        await h.at(1_499)
        #expect(try await h.events().filter { $0.kind == "sync.applied" }.isEmpty)
        await h.at(1_500)
        let sync = try await h.events().filter { $0.kind.hasPrefix("sync.") && $0.accountID != "T" }
        let lateID = try #require(Self.signalID(late)), earlyID = try #require(Self.signalID(early))
        for id in ["A", "B", "C"] {
            #expect(sync.filter { $0.accountID == id }.map { Self.signalOf($0.detail) } == [earlyID, lateID], "\(id): \(sync)")
        }
        // Ratios as received: the +200 on 1,000 (0.2), the +100 on 1,200 (1/12); applied in
        // occurrence order, each on the copy's margin then, rounded toward zero.
        let expected = try Self.expectedMargins(start: ["A": "247.4", "B": "990", "C": "4950.2"], available: ["C": "1025.049"],
                                                steps: [("100", "1200"), ("200", "1000")])
        for id in ["A", "B", "C"] { #expect(await h.margin(of: id) == expected[id], "\(id)") }
        #expect(sync.filter { $0.accountID == "C" }.map(\.kind) == ["sync.applied", "sync.skipped"])
        #expect(sync.last { $0.accountID == "C" }?.reason == "insufficient_balance")
        #expect(await h.margin(of: "T") == "1300")
    }

    @Test("a copier that followed after the adjustment occurred is out of scope")
    func laterFollowerIsOutOfScope() async throws {
        let h = try await CoordinatorHarness()
        try await h.account("T", trader: true, deposit: "100000")
        for (id, at) in [("EARLY", -30_000), ("LATE", 0)] as [(String, Int64)] {
            try await h.account(id, trader: false, deposit: "100000")
            try await h.submit {
                $0.follow.copierID = id
                $0.follow.traderID = "T"
                $0.follow.multiplierE8 = CoordinatorHarness.e8("1")
                $0.follow.leverage = 10
                $0.follow.atMs = CoordinatorHarness.t0 + at
            }
        }
        try await h.submit { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = CoordinatorHarness.e8("20000") }
        try await h.submit {
            $0.open.accountID = "T"; $0.open.symbol = "BTCUSDT"; $0.open.side = .long
            $0.open.quantityE8 = CoordinatorHarness.e8("0.5"); $0.open.priceE8 = CoordinatorHarness.e8("20000"); $0.open.leverage = 10
        }
        try await h.adjust("100", occurredMs: -10_000)
        await h.at(600)
        let sync = try await h.events().filter { $0.kind.hasPrefix("sync.") && $0.accountID != "T" }
        #expect(sync.first { $0.accountID == "EARLY" }?.kind == "sync.applied")
        #expect(sync.first { $0.accountID == "LATE" }?.reason == "out_of_scope")
        #expect(await h.margin(of: "EARLY") == "1089")
        #expect(await h.margin(of: "LATE") == "990")
    }

    /// Copy margins after `(delta, traderMarginBefore)` steps in order (SPEC §5): `delta * Mc /
    /// Mt` rounded toward zero, skipped when the available balance cannot pay it.
    static func expectedMargins(start: [String: Decimal8], available: [String: Decimal8],
                                steps: [(Decimal8, Decimal8)]) throws -> [String: Decimal8] {
        var out: [String: Decimal8] = [:]
        for (id, m) in start {
            var margin = m
            var free = available[id] ?? "1000000"
            for (delta, before) in steps {
                let d = try (delta.exact * margin.exact).divided(by: before.exact, rounding: .towardZero)
                guard d <= free else { continue }
                margin = try margin + d
                free = try free - d
            }
            out[id] = margin
        }
        return out
    }

    static func signalID(_ r: Copytrade_V1_InputResult) -> String? {
        r.events.first { $0.kind == "sync.received" }.flatMap { signalOf($0.detail) }
    }

    /// "signal s-8: ..." or "signal s-8 occurred ..." → "s-8".
    static func signalOf(_ detail: String) -> String? {
        guard detail.hasPrefix("signal ") else { return nil }
        return detail.dropFirst("signal ".count).split(whereSeparator: { $0 == " " || $0 == ":" }).first.map(String.init)
    }
}
