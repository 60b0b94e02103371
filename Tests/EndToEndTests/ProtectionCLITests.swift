import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// Copier protections, limits and profit sharing (issue 12) through the real `copyctl` against
/// a real `copytraded`: what copyctl refuses itself, the settings' round trip through `follow`,
/// `relation set|show|list`, `account set` and `settle`, and the worked examples end to end.
@Suite("Protections through copyctl", .timeLimit(.minutes(3)))
struct ProtectionCLITests {
    /// A daemon with trader T (deposit `trader`) and copier C (deposit `copier`), the BTCUSDT
    /// mark at 20,000.
    static func start(trader: String = "100000", copier: String = "10000", t: String = "T", c: String = "C") async throws -> Daemon {
        let d = try await Daemon.start()
        try await d.must("account", "create", t, "--role", "trader")
        try await d.must("account", "create", c, "--role", "copier")
        try await d.must("deposit", t, trader)
        try await d.must("deposit", c, copier)
        try await d.must("price", "set", "BTCUSDT", "20000")
        return d
    }

    // MARK: Refusals copyctl makes itself

    struct Refusal: Sendable, CustomTestStringConvertible {
        var name: String
        var args: [String]
        var field: String
        var testDescription: String { name }
    }

    static let cliRefusals = [
        Refusal(name: "an unknown close policy on follow",
                args: ["follow", "C", "T", "--multiplier", "1", "--close-policy", "sometimes"], field: "--close-policy"),
        Refusal(name: "an unknown close policy on unfollow", args: ["unfollow", "C", "T", "--close-policy", "later"], field: "--close-policy"),
        Refusal(name: "an unknown close policy on relation set", args: ["relation", "set", "C", "T", "--close-policy", "never"], field: "--close-policy"),
        Refusal(name: "relation set with nothing to change", args: ["relation", "set", "C", "T"], field: "settings"),
        Refusal(name: "relation set clearing an unknown setting", args: ["relation", "set", "C", "T", "--clear", "leverage"], field: "--clear"),
        Refusal(name: "relation set setting and clearing the same", args: ["relation", "set", "C", "T", "--tp-ratio", "0.5", "--clear", "tpRatio"],
                field: "--clear"),
        Refusal(name: "account set with nothing to change", args: ["account", "set", "T"], field: "settings"),
        Refusal(name: "account set clearing an unknown setting", args: ["account", "set", "T", "--clear", "profit-share-ratio"], field: "--clear"),
        Refusal(name: "account set with a fractional copier limit", args: ["account", "set", "T", "--max-copiers", "2.5"], field: "--max-copiers"),
        Refusal(name: "an empty symbol in --symbols", args: ["follow", "C", "T", "--multiplier", "1", "--symbols", "BTCUSDT,,ETHUSDT"], field: "--symbols"),
        Refusal(name: "a malformed ratio", args: ["follow", "C", "T", "--multiplier", "1", "--tp-ratio", "0.5.1"], field: "--tp-ratio"),
        Refusal(name: "both sizing modes on relation set", args: ["relation", "set", "C", "T", "--multiplier", "1", "--fixed-margin", "10"],
                field: "--multiplier"),
    ]

    @Test("copyctl refuses bad protection options itself, naming the option, and nothing changes", arguments: cliRefusals)
    func cliRefusal(_ c: Refusal) async throws {
        let d = try await Self.start()
        try await d.must("follow", "C", "T", "--multiplier", "1")
        let before = try await state(d)
        let r = try await d.copyctl(c.args)
        #expect(r.exit == 1, "\(r.summary)")
        #expect(r.errorField == c.field, "\(r.summary)")
        #expect(r.stderr.contains(c.field), "\(r.summary)")
        #expect(try await state(d) == before)
        #expect(await d.stop() == 0)
    }

    // MARK: Refusals the coordinator makes

    static let daemonRefusals = [
        Refusal(name: "a take-profit ratio of 0", args: ["follow", "C", "T", "--multiplier", "1", "--tp-ratio", "0"], field: "tpRatio"),
        Refusal(name: "a negative stop-loss ratio", args: ["follow", "C", "T", "--multiplier", "1", "--sl-ratio", "-1"], field: "slRatio"),
        Refusal(name: "a profit share ratio above 0.5", args: ["account", "set", "T", "--profit-share-ratio", "0.6"], field: "profitShareRatio"),
        Refusal(name: "a stop-loss amount of 0", args: ["follow", "C", "T", "--multiplier", "1", "--stop-loss-amount", "0"], field: "stopLossAmount"),
        Refusal(name: "an unknown symbol in --symbols", args: ["follow", "C", "T", "--multiplier", "1", "--symbols", "NOPEUSDT"], field: "symbols"),
        Refusal(name: "a max daily margin of 0", args: ["follow", "C", "T", "--multiplier", "1", "--max-daily-margin", "0"], field: "maxDailyMargin"),
        Refusal(name: "a negative copier limit", args: ["account", "set", "T", "--max-copiers", "-1"], field: "maxCopiers"),
        Refusal(name: "relation set of a relation that does not exist", args: ["relation", "set", "C", "T", "--tp-ratio", "0.5"], field: "trader"),
    ]

    @Test("the coordinator refuses bad protection settings naming the field, and nothing changes", arguments: daemonRefusals)
    func daemonRefusal(_ c: Refusal) async throws {
        let d = try await Self.start()
        let before = try await state(d)
        let r = try await d.copyctl(c.args)
        #expect(r.exit == 1, "\(r.summary)")
        // The field, or one of its entries (`symbols[0]`, `symbols.NOPEUSDT`).
        #expect(r.errorField?.hasPrefix(c.field) == true, "\(r.summary)")
        #expect(r.stderr.contains(c.field), "\(r.summary)")
        #expect(try await state(d) == before)
        #expect(await d.stop() == 0)
    }

    @Test("relation set refuses a bad value naming the field, and the relation stays as it was")
    func relationSetRefusal() async throws {
        let d = try await Self.start()
        try await d.must("follow", "C", "T", "--multiplier", "1", "--tp-ratio", "0.5")
        let before = try await state(d)
        for (args, field) in [(["--tp-ratio", "0"], "tpRatio"), (["--sl-ratio", "-0.1"], "slRatio"),
                              (["--stop-loss-amount", "0"], "stopLossAmount"), (["--symbols", "NOPEUSDT"], "symbols")] {
            let r = try await d.copyctl(["relation", "set", "C", "T"] + args)
            #expect(r.exit == 1, "\(args): \(r.summary)")
            #expect(r.errorField?.hasPrefix(field) == true, "\(args): \(r.summary)")
        }
        #expect(try await state(d) == before)
        #expect(await d.stop() == 0)
    }

    // MARK: Round trips

    @Test("follow's settings show in relation show and list; relation set changes and clears exactly what it names")
    func relationRoundTrip() async throws {
        let d = try await Self.start()
        let f = try await d.must("follow", "C", "T", "--multiplier", "0.5", "--leverage", "5", "--tp-ratio", "0.5", "--sl-ratio", "0.3",
                                 "--stop-loss-amount", "100", "--close-policy", "market", "--symbols", "BTCUSDT,ETHUSDT",
                                 "--max-daily-margin", "1000", "--max-total-margin", "3000")
        #expect(f.events.kind("relation.followed").count == 1, "\(f.json)")
        var rel = try await d.must("relation", "show", "C", "T").json
        #expect(rel.string("status") == "following", "\(rel)")
        #expect(rel.string("mode") == "proportional")
        #expect(rel.decimal("multiplier") == Dec.of("0.5"))
        #expect(rel.int("leverage") == 5)
        #expect(rel.decimal("tpRatio") == Dec.of("0.5"))
        #expect(rel.decimal("slRatio") == Dec.of("0.3"))
        #expect(rel.decimal("stopLossAmount") == Dec.of("100"))
        #expect(rel.string("closePolicy") == "market")
        #expect(rel.string("symbols") == "BTCUSDT,ETHUSDT")
        #expect(rel.decimal("maxDailyMargin") == Dec.of("1000"))
        #expect(rel.decimal("maxTotalMargin") == Dec.of("3000"))
        #expect(rel.decimal("dailyMarginUsed") == .zero)
        for figure in ["realizedPnl", "fees", "netResult", "shared", "due"] { #expect(rel.decimal(figure) == .zero, "\(figure): \(rel)") }

        let set = try await d.must("relation", "set", "C", "T", "--tp-ratio", "0.8", "--close-policy", "detach", "--leverage", "8",
                                   "--clear", "sl-ratio,symbols", "--clear", "maxDailyMargin")
        #expect(set.events.kind("relation.settings_changed").count == 1, "\(set.json)")
        rel = try await d.must("relation", "show", "C", "T").json
        #expect(rel.decimal("tpRatio") == Dec.of("0.8"), "\(rel)")
        #expect(rel.string("slRatio") == "off")
        #expect(rel.string("symbols") == "all")
        #expect(rel.string("maxDailyMargin") == "off")
        #expect(rel.string("closePolicy") == "detach")
        #expect(rel.int("leverage") == 8)
        // Untouched settings stay.
        #expect(rel.decimal("multiplier") == Dec.of("0.5"))
        #expect(rel.decimal("stopLossAmount") == Dec.of("100"))
        #expect(rel.decimal("maxTotalMargin") == Dec.of("3000"))

        let list = try await d.must("relation", "list", "--account", "T")
        let rows = try #require(list.json["relations"] as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?.string("copier") == "C" && rows.first?.string("status") == "following", "\(list.json)")
        let text = try await ChildProcess.run(Binaries.copyctl, ["--socket", d.socket, "relation", "list"])
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("STATUS") == true && lines.first?.contains("TP/SL") == true && lines.first?.contains("STOP") == true,
                "\(text.stdout)")
        #expect(lines.count == 2 && lines[1].contains("following") && lines[1].contains("0.8/-") && lines[1].contains("100/detach"),
                "\(text.stdout)")

        // Another copier's relation is not C's.
        let missing = try await d.copyctl("relation", "show", "C", "NOPE")
        #expect(missing.exit == 1 && missing.errorField == "trader", "\(missing.summary)")
        #expect(await d.stop() == 0)
    }

    @Test("account set's trader settings show in account show and list; --clear turns the copier limit off")
    func accountRoundTrip() async throws {
        let d = try await Self.start()
        let r = try await d.must("account", "set", "T", "--max-copiers", "5", "--profit-share-ratio", "0.2")
        #expect(r.events.kind("account.settings_changed").count == 1, "\(r.json)")
        var t = try await d.account("T")
        #expect(t.int("maxCopiers") == 5, "\(t)")
        #expect(t.decimal("profitShareRatio") == Dec.of("0.2"))
        #expect(t.decimal("profitSharePaid") == .zero && t.decimal("profitShareReceived") == .zero)
        let listed = try await d.accounts().first { $0.string("account") == "T" }
        #expect(listed?.int("maxCopiers") == 5, "\(String(describing: listed))")
        let text = try await ChildProcess.run(Binaries.copyctl, ["--socket", d.socket, "account", "list"])
        #expect(text.stdout.contains("SHARE PAID") && text.stdout.contains("share=0.2,max-copiers=5"), "\(text.stdout)")

        try await d.must("account", "set", "T", "--clear", "max-copiers")
        t = try await d.account("T")
        #expect(t["maxCopiers"] == nil, "\(t)")
        #expect(t.decimal("profitShareRatio") == Dec.of("0.2"))
        #expect(await d.stop() == 0)
    }

    @Test("settle with nothing due pays nothing; --trader settles one trader's relations; a repeated key is a duplicate")
    func settleRoundTrip() async throws {
        let d = try await Self.start()
        try await d.must("account", "set", "T", "--profit-share-ratio", "0.1")
        try await d.must("follow", "C", "T", "--multiplier", "1")
        let all = try await d.must("settle", "--key", "settle-1")
        #expect(all.events.kind("profit_share.paid").isEmpty, "\(all.json)")
        #expect(all.events.kind("settlement.run").count >= 1, "\(all.json)")
        let again = try await d.must("settle", "--key", "settle-1")
        #expect(again.duplicate == true, "\(again.json)")
        let before = try await balances(d)
        let one = try await d.must("settle", "--trader", "T")
        #expect(one.events.kind("profit_share.paid").isEmpty, "\(one.json)")
        #expect(try await balances(d) == before)
        #expect(await d.stop() == 0)
    }

    // MARK: Worked examples

    @Test("TP/SL: the copy carries TP 21000 and SL 19400 and closes on its stop loss; the trader's position stays")
    func takeProfitStopLoss() async throws {
        let d = try await Self.start(copier: "5000", t: "T1", c: "C1")
        try await d.must("follow", "C1", "T1", "--multiplier", "0.25", "--leverage", "10", "--tp-ratio", "0.5", "--sl-ratio", "0.3")
        try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        let copy = try #require(try await d.position(of: "C1"))
        #expect(copy.decimal("quantity") == Dec.of("0.1237"), "\(copy)")
        #expect(copy.decimal("entry") == Dec.of("20000"))
        #expect(copy.decimal("margin") == Dec.of("247.4"))
        #expect(copy.decimal("takeProfit") == Dec.of("21000"), "\(copy)")
        #expect(copy.decimal("stopLoss") == Dec.of("19400"), "\(copy)")
        #expect(try await d.account("C1").decimal("fees") == Dec.of("1.237"))
        // The trader's own position has no triggers: null in JSON, "-" in the table.
        let own = try #require(try await d.position(of: "T1"))
        #expect(own["takeProfit"] is NSNull && own["stopLoss"] is NSNull, "\(own)")
        let table = try await ChildProcess.run(Binaries.copyctl, ["--socket", d.socket, "position", "list"])
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("TP") == true && lines.first?.contains("SL") == true, "\(table.stdout)")
        let copyRow = try #require(lines.first { $0.contains("C1") }).split(separator: " ").map(String.init)
        #expect(copyRow.contains("21000") && copyRow.contains("19400"), "\(table.stdout)")

        let r = try await d.must("price", "set", "BTCUSDT", "19400")
        let stop = r.events.kind("copy.stop_loss")
        #expect(stop.count == 1, "\(r.json)")
        let e = try #require(stop.first)
        #expect(e.string("account") == "C1")
        #expect(e.decimal("price") == Dec.of("19400"))
        #expect(e.decimal("quantity") == Dec.of("0.1237"))
        #expect(e.string("detail")?.contains("pnl -74.22 fee 1.19989") == true, "\(e)")
        #expect(try await d.history(kind: "copy.stop_loss").count == 1)
        #expect(try await d.position(of: "C1") == nil)
        #expect(try await d.position(of: "T1")?.decimal("quantity") == Dec.of("0.5"))
        let c1 = try await d.account("C1")
        #expect(c1.decimal("wallet") == Dec.of("4923.34311"), "\(c1)")
        #expect(c1.decimal("realizedPnl") == Dec.of("-74.22"))
        #expect(c1.decimal("fees") == Dec.of("2.43689"))
        let rel = try await d.must("relation", "show", "C1", "T1").json
        #expect(rel.decimal("realizedPnl") == Dec.of("-74.22"), "\(rel)")
        #expect(rel.decimal("fees") == Dec.of("2.43689"), "\(rel)")
        #expect(rel.decimal("netResult") == Dec.of("-76.65689"), "\(rel)")
        #expect(rel.string("status") == "following")
        try await checkIdentity(d)
        #expect(await d.stop() == 0)
    }

    @Test("relation stop: at a net result of -99.99 nothing happens; one tick lower the relation stops and the copy closes at the mark")
    func relationStop() async throws {
        let d = try await Self.start(t: "T1", c: "C2")
        try await d.must("follow", "C2", "T1", "--multiplier", "1", "--leverage", "10", "--stop-loss-amount", "100", "--close-policy", "market")
        try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        #expect(try await d.position(of: "C2")?.decimal("quantity") == Dec.of("0.495"))
        #expect(try await d.account("C2").decimal("fees") == Dec.of("4.95"))

        let quiet = try await d.must("price", "set", "BTCUSDT", "19808.0")
        #expect(quiet.events.kind("relation.stopped").isEmpty, "\(quiet.json)")
        var rel = try await d.must("relation", "show", "C2", "T1").json
        #expect(rel.decimal("netResult") == Dec.of("-99.99"), "\(rel)")
        #expect(rel.string("status") == "following")
        #expect(try await d.position(of: "C2") != nil)

        let r = try await d.must("price", "set", "BTCUSDT", "19807.9")
        #expect(r.events.kind("relation.stopped").count == 1, "\(r.json)")
        let closed = r.events.of("C2").filter { ($0.string("kind") ?? "").hasPrefix("copy.") && $0.decimal("price") == Dec.of("19807.9") }
        #expect(closed.count == 1, "\(r.json)")
        #expect(closed.first?.string("detail")?.contains("pnl -95.0895 fee 4.90245525") == true, "\(closed)")
        #expect(try await d.position(of: "C2") == nil)
        #expect(try await d.position(of: "T1")?.decimal("quantity") == Dec.of("0.5"))
        rel = try await d.must("relation", "show", "C2", "T1").json
        #expect(rel.string("status") == "stopped", "\(rel)")
        #expect(rel.decimal("realizedPnl") == Dec.of("-95.0895"), "\(rel)")
        #expect(rel.decimal("fees") == Dec.of("9.85245525"), "\(rel)")
        let c2 = try await d.account("C2")
        #expect(c2.decimal("wallet") == Dec.of("9895.05804475"), "\(c2)")
        // A stopped relation copies nothing new.
        let more = try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.1", "--price", "19807.9", "--leverage", "10")
        #expect(more.events.of("C2").filter { ($0.string("kind") ?? "").hasPrefix("copy.opened") }.isEmpty, "\(more.json)")
        #expect(try await d.position(of: "C2") == nil)
        try await checkIdentity(d)
        #expect(await d.stop() == 0)
    }

    @Test("profit share: the trader's 10% of C2's net 484.8525 is paid by copyctl settle")
    func profitShare() async throws {
        let d = try await Self.start(t: "T1", c: "C2")
        try await d.must("account", "set", "T1", "--profit-share-ratio", "0.1")
        try await d.must("follow", "C2", "T1", "--multiplier", "1", "--leverage", "10")
        try await d.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        try await d.must("price", "set", "BTCUSDT", "21000")
        try await d.must("trader", "close", "T1", "BTCUSDT", "--price", "21000")
        #expect(try await d.position(of: "C2") == nil)
        var rel = try await d.must("relation", "show", "C2", "T1").json
        #expect(rel.decimal("realizedPnl") == Dec.of("495"), "\(rel)")
        #expect(rel.decimal("fees") == Dec.of("10.1475"), "\(rel)")
        #expect(rel.decimal("netResult") == Dec.of("484.8525"), "\(rel)")
        #expect(rel.decimal("profitShareRatio") == Dec.of("0.1"), "\(rel)")
        #expect(rel.decimal("due") == Dec.of("48.48525"), "\(rel)")
        #expect(rel.decimal("shared") == .zero)
        let c2Before = try #require(try await d.account("C2").decimal("wallet"))
        let t1Before = try #require(try await d.account("T1").decimal("wallet"))

        let r = try await d.must("settle")
        let paid = r.events.kind("profit_share.paid")
        #expect(paid.count == 1 && paid.first?.string("account") == "C2", "\(r.json)")
        #expect(paid.first?.decimal("amount") == Dec.of("48.48525"), "\(r.json)")
        let received = try await d.waitForEvents(kind: "profit_share.received", count: 1)
        #expect(received.first?.string("account") == "T1" && received.first?.decimal("amount") == Dec.of("48.48525"), "\(received)")
        #expect(r.events.kind("profit_share.short").isEmpty)

        let c2 = try await d.account("C2"), t1 = try await d.account("T1")
        #expect(try c2Before - Dec.of("48.48525") == c2.decimal("wallet"), "\(c2)")
        #expect(try t1Before + Dec.of("48.48525") == t1.decimal("wallet"), "\(t1)")
        #expect(c2.decimal("profitSharePaid") == Dec.of("48.48525"))
        #expect(t1.decimal("profitShareReceived") == Dec.of("48.48525"))
        rel = try await d.must("relation", "show", "C2", "T1").json
        #expect(rel.decimal("shared") == Dec.of("48.48525"), "\(rel)")
        #expect(rel.decimal("due") == .zero, "\(rel)")
        // The high-water mark: settling again pays nothing.
        let again = try await d.must("settle", "--trader", "T1")
        #expect(again.events.kind("profit_share.paid").isEmpty, "\(again.json)")
        try await checkIdentity(d)
        #expect(await d.stop() == 0)
    }

    // MARK: A cluster

    @Test("in 8 shards over 2 members, settle runs on every shard with one key: each copier pays wherever it lives; repeated, a duplicate")
    func settleAcrossShards() async throws {
        let cluster = try await PostgresCluster.make()
        let a = try await cluster.member(["--shards", "8", "--max-shards", "4"], ready: ["shards"])
        let b = try await cluster.member(["--shards", "8", "--max-shards", "4"], ready: ["status"])
        // Four copiers on four different shards, none on the trader's.
        let traderShard = EquivalenceTests.shard(of: "T1", count: 8)
        var copiers: [String] = []
        var shards: Set<Int> = [traderShard]
        for id in (1...60).map({ String(format: "C%02d", $0) }) where copiers.count < 4 {
            if shards.insert(EquivalenceTests.shard(of: id, count: 8)).inserted { copiers.append(id) }
        }
        try await a.must("account", "create", "T1", "--role", "trader", "--key", "t1")
        try await a.must("deposit", "T1", "100000", "--key", "dt1")
        try await b.must("account", "set", "T1", "--profit-share-ratio", "0.1", "--key", "st1")
        try await a.must("price", "set", "BTCUSDT", "20000", "--key", "m1")
        for (i, id) in copiers.enumerated() {
            let m = i % 2 == 0 ? a : b
            try await m.must("account", "create", id, "--role", "copier", "--key", "c-\(id)")
            try await m.must("deposit", id, "10000", "--key", "d-\(id)")
            try await m.must("follow", id, "T1", "--multiplier", "1", "--leverage", "10", "--key", "f-\(id)")
        }
        try await a.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10", "--key", "o1")
        try await clusterSettled(a)
        try await b.must("price", "set", "BTCUSDT", "21000", "--key", "m2")
        try await b.must("trader", "close", "T1", "BTCUSDT", "--price", "21000", "--key", "x1")
        try await clusterSettled(a)
        for id in copiers {
            let rel = try await b.must("relation", "show", id, "T1").json
            #expect(rel.decimal("due") == Dec.of("48.48525"), "\(id): \(rel)")
        }

        let r = try await a.must("settle", "--key", "s1")
        #expect(r.duplicate == false, "\(r.json)")
        let paid = r.events.kind("profit_share.paid")
        #expect(Set(paid.compactMap { $0.string("account") }) == Set(copiers), "\(r.json)")
        #expect(paid.count == copiers.count && paid.allSatisfy { $0.decimal("amount") == Dec.of("48.48525") }, "\(r.json)")
        // One settlement per shard that holds relations, at least.
        #expect(r.events.kind("settlement.run").count >= copiers.count, "\(r.json)")
        // The same key again, through the other member: every shard's answer is a duplicate.
        let again = try await b.must("settle", "--key", "s1")
        #expect(again.duplicate == true, "\(again.json)")
        try await clusterSettled(a)
        let t1 = try await b.account("T1")
        #expect(t1.decimal("profitShareReceived") == Dec.of("193.941"), "\(t1)")
        for id in copiers {
            #expect(try await a.account(id).decimal("profitSharePaid") == Dec.of("48.48525"), "\(id)")
            let rel = try await a.must("relation", "show", id, "T1").json
            #expect(rel.decimal("shared") == Dec.of("48.48525") && rel.decimal("due") == .zero, "\(id): \(rel)")
        }
        for m in [a, b] { try await checkIdentity(m) }
        #expect(await b.stop() == 0)
        #expect(await a.stop() == 0)
    }

    /// Every shard message applied and no signal held (ShardedClusterTests' wait).
    func clusterSettled(_ member: Daemon) async throws {
        let done = await eventually(timeout: .seconds(20), every: .milliseconds(20)) {
            guard let status = try? await member.status(), status.int("heldSignals") ?? 1 == 0 else { return false }
            guard let rows = try? await member.must("shards").json["shards"] as? [[String: Any]] else { return false }
            return rows.allSatisfy { ($0.int("cursorLag") ?? 1) == 0 }
        }
        try #require(done, "the cluster did not settle")
    }

    // MARK: Helpers

    /// Accounts, positions, status and relations as JSON text, for before/after comparisons.
    func state(_ d: Daemon) async throws -> String {
        let relations = try await d.must("relation", "list").json["relations"] ?? []
        let data = try JSONSerialization.data(withJSONObject: [relations], options: [.sortedKeys])
        return try await d.visibleState() + String(decoding: data, as: UTF8.self)
    }

    /// Accounts and relations as JSON text (no status: an accepted input moves its sequence).
    func balances(_ d: Daemon) async throws -> String {
        let relations = try await d.must("relation", "list").json["relations"] ?? []
        let data = try JSONSerialization.data(withJSONObject: [try await d.accounts(), relations], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// SPEC §7's identity with profit sharing: deposits - withdrawals + realized PnL - fees
    /// - profit share paid + profit share received = wallet, for every account.
    func checkIdentity(_ daemon: Daemon, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for a in try await daemon.accounts() {
            let d = try #require(a.decimal("deposits")), w = try #require(a.decimal("withdrawals"))
            let pnl = try #require(a.decimal("realizedPnl")), fees = try #require(a.decimal("fees"))
            let paid = try #require(a.decimal("profitSharePaid")), received = try #require(a.decimal("profitShareReceived"))
            let wallet = try #require(a.decimal("wallet"))
            #expect(try d - w + pnl - fees - paid + received == wallet, "identity broken for \(a)", sourceLocation: sourceLocation)
        }
    }
}
