import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// SPEC §3's auto margin worked example, run by the daemon on mark price updates.
@Suite("Auto margin", .timeLimit(.minutes(3)))
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

    /// SPEC's figures belong to the built-in (fee-inclusive) strategy; with the C plugin's
    /// entry-value strategy routed, ``sameWalkAsTheMarginModule()`` checks its own figures.
    @Test("the worked example: add 1000, add the last 500, then liquidate to insurance",
          .enabled(if: ModuleConfiguration.current != .marginC))
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

    /// In every configuration: the daemon's auto margin walk equals what its margin module
    /// computes for the same position through `copyctl calc automargin --via` — marks chosen at
    /// the module's own liquidation prices, so every step acts.
    @Test("the daemon's walk equals the margin module's own walk through copyctl calc")
    func sameWalkAsTheMarginModule() async throws {
        let module = try await CalcModule.start()
        defer { module.kill() }
        let position = ["--symbol", "BTCUSDT", "--side", "long", "--entry", "20000", "--qty", "0.5", "--margin", "1000", "--leverage", "10"]
        let liq = try await module.calc(["calc", "liq"] + position)
        var marks = [try #require(liq.string("liquidationPriceRounded"))]
        func walk(_ marks: [String]) async throws -> CtlResult {
            try await module.calc(["calc", "automargin"] + position + ["--available", "1500", "--amount", "1000", "--path", marks.joined(separator: ",")])
        }
        // Each next mark is the liquidation price the module gives after its last step.
        for _ in 0..<3 {
            let w = try await walk(marks)
            guard w.json["liquidated"] as? Bool == false, let next = w.events.last?.string("liquidationPrice") else { break }
            marks.append(next)
        }
        let walk = try await walk(marks)
        let d = try await Daemon.start()
        try await d.must("account", "create", "U", "--role", "trader")
        try await d.must("deposit", "U", "2505")
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "U", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        #expect(try await d.position(of: "U")?.string("liquidationPrice") == marks[0])
        try await d.must("automargin", "on", "U", "--symbol", "BTCUSDT", "--amount", "1000")
        var seen: [[String: Any]] = []
        for mark in marks {
            let r = try await d.must("price", "set", "BTCUSDT", mark)
            seen += r.events.filter { ["automargin.added", "liquidated", "order.cancelled"].contains($0.string("kind") ?? "") && $0.string("account") == "U" }
        }
        let expected = walk.events
        #expect(seen.count == expected.count, "daemon \(seen) vs module \(expected)")
        for (e, x) in zip(seen, expected) {
            #expect(e.string("kind") == (x.string("action") == "add_margin" ? "automargin.added" : "liquidated"))
            #expect(e.decimal("amount") == x.decimal("amount"), "daemon \(e) vs module \(x)")
        }
        let u = try await d.account("U")
        #expect(u.decimal("available") == walk.decimal("available"))
        try await d.checkAccountingIdentity()
        await module.stop()
        #expect(await d.stop() == 0)
    }
}

/// The margin module of the current configuration, reachable by `copyctl calc --via`: none (in
/// process), a `copytrade-module margin` process, or the C plugin listening on a socket.
final class CalcModule: Sendable {
    let listener: ListeningChild?

    static func start() async throws -> CalcModule {
        let socket = ListeningChild.socketPath("e2e-calc")
        let argv: [String]
        switch ModuleConfiguration.current {
        case .inProcess: return CalcModule(listener: nil)
        case .processes: argv = [Binaries.locate("copytrade-module"), "margin", "--listen", "unix:\(socket)", "--log-level", "warning"]
        case .marginC: argv = [ModuleConfiguration.marginPlugin, "--listen", socket]
        }
        return CalcModule(listener: try await ListeningChild.start(argv[0], Array(argv.dropFirst()), socket: socket,
                                                                   readiness: .handshakeLine))
    }

    private init(listener: ListeningChild?) {
        self.listener = listener
    }

    func calc(_ args: [String]) async throws -> CtlResult {
        let via = listener.map { ["--via", $0.address] } ?? []
        let r = CtlResult(try await ChildProcess.run(Binaries.copyctl, ["--json"] + args + via))
        try #require(r.ok, "copyctl \(args) failed: \(r)")
        return r
    }

    /// SIGTERM; a module that ignores it (2 s) is killed, and that is a failure.
    func stop() async {
        guard let listener else { return }
        let status = await listener.stop(grace: .seconds(2))
        #expect(status != -SIGKILL, "the margin module ignored SIGTERM")
    }

    /// SIGKILL without waiting, for `defer`: nothing outlives a failed test.
    func kill() { listener?.kill() }
}
