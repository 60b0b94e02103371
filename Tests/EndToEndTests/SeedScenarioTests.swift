import CopyTradeCore
import Testing

/// The seed scenario end to end: copy sizing (SPEC §4) and margin synchronization of an
/// add and a reduce (SPEC §5), as `copyctl` shows them.
@Suite("Seed scenario", .timeLimit(.minutes(3)))
struct SeedScenarioTests {
    @Test("each copier's quantity and margin are what `calc size` prints", arguments: SeedScenario.copiers)
    func copySizesMatchCalc(_ c: SeedScenario.Copier) async throws {
        let d = try await SeedScenario.start()
        let calc = try await copyctl("calc", "size", "--mode", "proportional", "--multiplier", c.multiplier, "--side", "long",
                                     "--fill", "20000", "--qty", "0.5", "--leverage", "10", "--symbol", "BTCUSDT")
        try #require(calc.ok, "\(calc.summary)")
        let copy = try #require(try await d.position(of: c.id), "\(c.id) has no copy")
        #expect(copy.string("copiedFrom") != nil)
        #expect(copy.string("side") == "long")
        #expect(copy.decimal("quantity") == calc.decimal("quantity"))
        #expect(copy.decimal("margin") == calc.decimal("orderMargin"))
        #expect(copy.decimal("entry") == Dec.of("20000"))
        #expect(copy.int("leverage") == 10)
        let a = try await d.account(c.id)
        let fee = try #require(calc.decimal("fee")), margin = try #require(calc.decimal("orderMargin"))
        #expect(a.decimal("fees") == fee)
        #expect(a.decimal("available") == (try Dec.of(c.deposit) - fee - margin))
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }

    @Test("a 50% add grows every copy by 50% except the one whose balance is short")
    func addSyncsProportionally() async throws {
        let d = try await SeedScenario.start()
        let before = try await copyMargins(d)
        let availableBefore = try await d.account("A").decimal("available")
        let r = try await d.must("trader", "margin", "add", "T", "BTCUSDT", "500")
        #expect(r.events.kind("margin.added").count == 1)
        #expect(r.events.kind("sync.received").count == 1)
        let sync = try await d.waitForEvents(kind: "sync.", count: 4)
        #expect(try await d.margin(of: "T") == Dec.of("1500"))
        for id in ["A", "B"] {
            let applied = sync.of(id).kind("sync.applied")
            try #require(applied.count == 1, "\(id): \(sync.of(id))")
            let old = try #require(before[id])
            let grown = try old + old.divided(by: 2, rounding: .towardZero)
            #expect(try await d.margin(of: id) == grown, "\(id)")
            #expect(applied[0].decimal("amount") == (try grown - old))
        }
        let skipped = sync.of("C")
        #expect(skipped.count == 1)
        #expect(skipped.first?.string("kind") == "sync.skipped")
        #expect(skipped.first?.string("reason") == "insufficient_balance")
        #expect(try await d.margin(of: "C") == before["C"])
        // A's addition came out of its available balance.
        #expect(try await d.account("A").decimal("available") == (try #require(availableBefore) - Dec.of("123.7")))
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }

    @Test("a reduce moves each copy by the same ratio, capped at its maximum reducible margin")
    func reduceIsCapped() async throws {
        let d = try await SeedScenario.start()
        try await d.must("trader", "margin", "add", "T", "BTCUSDT", "500")
        _ = try await d.waitForEvents(kind: "sync.", count: 4)
        // At 20200: A (371.1 on 0.1237) can give up 145.966 and B (1485 on 0.495) 584.1, more
        // than their shares; C (4950.2 on 2.4751, never topped up) only 445.518 of its 990.04.
        try await d.must("price", "set", "BTCUSDT", "20200")
        try await d.must("trader", "margin", "reduce", "T", "BTCUSDT", "300")
        let sync = try await d.waitForEvents(kind: "sync.", count: 8)
        let second = Array(sync.dropFirst(4))
        #expect(try await d.margin(of: "T") == Dec.of("1200"))
        let expected: [(String, String, String, String)] = [
            ("A", "sync.applied", "-74.22", "296.88"),
            ("B", "sync.applied", "-297", "1188"),
            ("C", "sync.capped", "-445.518", "4504.682"),
        ]
        for (id, kind, amount, margin) in expected {
            let e = second.of(id)
            try #require(e.count == 1, "\(id): \(e)")
            #expect(e[0].string("kind") == kind, "\(id): \(e[0])")
            #expect(e[0].decimal("amount") == Dec.of(amount), "\(id): \(e[0])")
            #expect(try await d.margin(of: id) == Dec.of(margin), "\(id)")
        }
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }

    private func copyMargins(_ d: Daemon) async throws -> [String: Decimal8] {
        var out: [String: Decimal8] = [:]
        for c in SeedScenario.copiers { out[c.id] = try await d.margin(of: c.id) }
        return out
    }
}
