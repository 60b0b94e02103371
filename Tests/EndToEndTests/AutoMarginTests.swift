import CopyTradeCore
import Testing

/// SPEC §3's auto margin worked example, run by the daemon on mark price updates.
@Suite("Auto margin")
struct AutoMarginTests {
    struct Step: Sendable {
        var mark: String
        var added: String?
        var margin: String?
        var liquidationPrice: String?
        var available: String
    }

    /// BTCUSDT long 0.5 @ 20000 10x, margin 1000, available 1500 after opening, A = 1000.
    static let walk = [
        Step(mark: "18069.2", added: "1000", margin: "2000", liquidationPrice: "16061.5", available: "500"),
        Step(mark: "16061.5", added: "500", margin: "2500", liquidationPrice: "15057.7", available: "0"),
        Step(mark: "15057.7", added: nil, margin: nil, liquidationPrice: nil, available: "0"),
    ]

    @Test("the worked example: add 1000, add the last 500, then liquidate to insurance")
    func workedExample() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "U", "--role", "trader")
        // 1500 free after the open: 2505 - margin 1000 - fee 5 (taker 0.0005 on 10000).
        try await d.must("deposit", "U", "2505")
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "U", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        var u = try await d.account("U")
        #expect(u.decimal("available") == Dec.of("1500"))
        #expect(try await d.position(of: "U")?.string("liquidationPrice") == "18069.2")
        try await d.must("automargin", "on", "U", "--symbol", "BTCUSDT", "--amount", "1000")
        #expect(try await d.position(of: "U")?.decimal("autoMargin") == Dec.of("1000"))

        for step in Self.walk {
            let r = try await d.must("price", "set", "BTCUSDT", step.mark)
            let p = try await d.position(of: "U")
            u = try await d.account("U")
            #expect(u.decimal("available") == Dec.of(step.available), "at \(step.mark)")
            if let added = step.added {
                let e = r.events.kind("automargin.added")
                #expect(e.count == 1, "at \(step.mark): \(r.events)")
                #expect(e.first?.decimal("amount") == Dec.of(added))
                #expect(p?.decimal("margin") == step.margin.map(Dec.of), "at \(step.mark)")
                #expect(p?.string("liquidationPrice") == step.liquidationPrice, "at \(step.mark)")
                #expect(r.events.kind("liquidated").isEmpty)
            } else {
                #expect(p == nil, "still open at \(step.mark): \(String(describing: p))")
                let e = r.events.kind("liquidated")
                #expect(e.count == 1, "at \(step.mark): \(r.events)")
                #expect(e.first?.decimal("amount") == Dec.of("2500"))
            }
        }
        #expect(try await d.status().decimal("insurance") == Dec.of("2500"))
        #expect(u.decimal("wallet") == .zero)
        #expect(u.decimal("realizedPnl") == Dec.of("-2500"))
        let history = try await d.history(account: "U").map { $0.string("kind") ?? "" }
        #expect(history.suffix(4) == ["automargin.on", "automargin.added", "automargin.added", "liquidated"])
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }
}
