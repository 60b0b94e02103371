import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing

/// docs/protections.md: a settlement is one journaled input. A `kill -9` while one is in flight
/// leaves it applied whole or not at all; re-sending its key then pays what is due exactly once.
@Suite("Settlement crash safety", .timeLimit(.minutes(5)))
struct SettlementCrashTests {
    static let copiers = 60

    @Test("kill -9 with a settlement in flight: all or nothing, and its key re-sent pays each relation once")
    func killDuringSettlement() async throws {
        let d = try await Daemon.start()
        _ = try await d.must("account", "create", "T1", "--role", "trader")
        _ = try await d.must("deposit", "T1", "1000000")
        _ = try await d.must("account", "set", "T1", "--profit-share-ratio", "0.1")
        let bulk = try await BulkInputs.connect(d)
        let ids = (1...Self.copiers).map { "C\($0)" }
        try await bulk.run(0..<ids.count) { i in
            ("CreateAccount", Copytrade_V1_CreateAccountRequest.with { $0.accountID = ids[i]; $0.role = .copier; $0.key = "create-\(i)" })
        }
        try await bulk.run(0..<ids.count) { i in
            ("Deposit", Copytrade_V1_TransferRequest.with { $0.accountID = ids[i]; $0.amountE8 = 10_000 * 100_000_000; $0.key = "fund-\(i)" })
        }
        try await bulk.run(0..<ids.count) { i in
            ("Follow", Copytrade_V1_FollowRequest.with {
                $0.copierID = ids[i]; $0.traderID = "T1"; $0.mode = .proportional; $0.multiplierE8 = 100_000_000; $0.leverage = 10
                $0.key = "follow-\(i)"
            })
        }
        await bulk.close()
        // Rounds: a profitable round trip, then a settlement killed after a growing delay.
        var expectedShared = Decimal8.zero
        for (round, delayMs) in [0, 3, 10, 30, 100].enumerated() {
            _ = try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--key", "open-\(round)")
            _ = try await d.must("trader", "close", "T1", "BTCUSDT", "--price", "21000", "--key", "close-\(round)")
            // Each round adds N = 484.8525 per relation (SPEC §9's example): a tenth is due.
            expectedShared = try expectedShared + Decimal8(parsing: "48.48525")
            let before = try await d.history(kind: "profit_share.paid").count
            let key = "settle-\(round)"
            let sending = Task { try? await d.copyctl("settle", "--key", key) }
            try await Task.sleep(for: .milliseconds(delayMs))
            await d.kill9()
            let answered = await sending.value
            try await d.launch()
            let applied = try await d.history(kind: "profit_share.paid").count - before
            // Whole or nothing: never some of the relations.
            #expect(applied == 0 || applied == Self.copiers, "round \(round): \(applied) of \(Self.copiers) relations paid")
            print("settlement crash round \(round) (kill after \(delayMs) ms): \(applied == 0 ? "not applied" : "applied"), answered \(answered?.ok == true)")
            if answered?.ok == true { #expect(applied == Self.copiers, "round \(round): acknowledged but not applied") }
            // The same key again: a duplicate when it was applied, applied now when it was not.
            let again = try await d.must("settle", "--key", key)
            #expect(again.duplicate == (applied == Self.copiers), "round \(round)")
            let paid = try await d.history(kind: "profit_share.paid").count - before
            #expect(paid == Self.copiers, "round \(round): \(paid) payments")
            // Every relation's high-water mark is exactly a tenth of its net profit so far.
            let relations = try await d.must("relation", "list", "--account", "T1").json["relations"] as? [[String: Any]] ?? []
            #expect(relations.count == Self.copiers)
            for r in relations { #expect(r.decimal("shared") == expectedShared && r.decimal("due") == .zero, "round \(round): \(r)") }
            try await d.checkAccountingIdentity()
            let received = try #require(try await d.account("T1").decimal("profitShareReceived"))
            #expect(received == (try expectedShared.multiplied(by: Decimal8(Self.copiers), rounding: .down)))
        }
        #expect(await d.stop() == 0)
    }
}
