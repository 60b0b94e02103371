import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// Issue 11, shards (docs/sharding.md): members of one cluster of 8 shards on a real
/// PostgreSQL server, as real processes driven by the real `copyctl`. Accounts are spread
/// over the shards by their ids; a trader's fills, closes and margin signals, and the marks,
/// reach copiers on other shards as messages.
@Suite("Sharded cluster", .timeLimit(.minutes(4)))
struct ShardedClusterTests {
    @Test("8 shards over 3 members: copies on other shards follow the trader's open, sync and close; any member answers")
    func copiesAcrossShards() async throws {
        let cluster = try await PostgresCluster.make()
        let a = try await cluster.member(["--shards", "8", "--max-shards", "3"], ready: ["shards"])
        let b = try await cluster.member(["--shards", "8", "--max-shards", "3"], ready: ["shards"])
        let c = try await cluster.member(["--shards", "8", "--max-shards", "3"], ready: ["status"])
        let members = [a, b, c]
        let copiers = (1...12).map { String(format: "C%02d", $0) }
        try await a.must("account", "create", "T1", "--role", "trader", "--key", "t1")
        try await a.must("deposit", "T1", "100000", "--key", "dt1")
        for (i, id) in copiers.enumerated() {
            let m = members[i % 3]
            try await m.must("account", "create", id, "--role", "copier", "--key", "c-\(id)")
            try await m.must("deposit", id, "10000", "--key", "d-\(id)")
            try await m.must("follow", id, "T1", "--multiplier", "1", "--leverage", "10", "--key", "f-\(id)")
        }
        // The copiers live on several shards.
        let shardsJSON = try await b.must("shards").json
        let rows = try #require(shardsJSON["shards"] as? [[String: Any]])
        #expect(rows.count == 8 && rows.allSatisfy { $0["held"] as? Bool == true }, "\(rows)")
        try await c.must("price", "set", "BTCUSDT", "30000", "--key", "m1")
        try await b.must("trader", "open", "T1", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "30000", "--leverage", "10", "--key", "o1")
        try await settled(cluster, a)
        // Every copier has the same balance and multiplier, so the same copy, wherever it lives
        // (SPEC §4's sizing leaves room for the fee: 0.495 of the trader's 0.5).
        for id in copiers {
            let p = try #require(try await members.randomElement()!.position(of: id), "\(id) has no copy")
            #expect(p.decimal("quantity") == Dec.of("0.495"), "\(id): \(p)")
        }
        let positions = try await c.positions()
        #expect(positions.count == copiers.count + 1)
        // A trader's margin signal reaches every copy, on every shard.
        try await a.must("trader", "margin", "add", "T1", "BTCUSDT", "150", "--key", "ma1")
        try await settled(cluster, a)
        for id in copiers {
            let applied = try await b.history(kind: "sync.", account: id).kind("sync.applied")
            #expect(applied.count == 1, "\(id): \(applied)")
        }
        try await c.must("trader", "close", "T1", "BTCUSDT", "--price", "31000", "--key", "x1")
        try await settled(cluster, a)
        #expect(try await b.positions().isEmpty)
        for id in copiers {
            let acc = try await a.account(id)
            #expect(acc.decimal("realizedPnl") == Dec.of("495"), "\(id): \(acc)")
        }
        for m in members { try await m.checkAccountingIdentity() }
        let status = try await b.status()
        #expect(status.int("accounts") == Int64(copiers.count + 1), "\(status)")

        // A follow of a trader on another shard is checked against what the trader's shard
        // recorded: an unknown account, or one that is not a trader, is refused as in one process.
        let home = EquivalenceTests.shard(of: "C01", count: 8)
        let ghost = (1...500).map { "GHOST\($0)" }.first { EquivalenceTests.shard(of: $0, count: 8) != home }!
        var r = try await c.copyctl("follow", "C01", ghost, "--multiplier", "1")
        #expect(r.exit == 1 && r.stderr.contains("trader") && r.stderr.contains("no account"), "\(r.summary)")
        let otherCopier = try #require(copiers.first { EquivalenceTests.shard(of: $0, count: 8) != home })
        r = try await a.copyctl("follow", "C01", otherCopier, "--multiplier", "1")
        #expect(r.exit == 1 && r.stderr.contains("is not a trader account"), "\(r.summary)")
        // Modules are swapped per member: refused in a cluster, naming the field.
        r = try await b.copyctl("plugin", "swap", "sizing", "--inprocess")
        #expect(r.exit == 1 && r.stderr.contains("module"), "\(r.summary)")
        // Watch without an account merges every shard's events (numbered per shard).
        let watched = try await a.must("watch", "--after", "0", "--count", "40")
        let accounts = Set(watched.stdout.split(separator: "\n").compactMap { line -> String? in
            guard let data = line.data(using: .utf8), let e = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return e["account"] as? String
        })
        let shardsSeen = Set(accounts.map { EquivalenceTests.shard(of: $0, count: 8) })
        #expect(shardsSeen.count >= 3, "events of \(accounts.sorted()) from shards \(shardsSeen.sorted())")
        for m in members { #expect(await m.stop() == 0) }
    }

    /// Waits until every message in the cluster has been applied and no signal is held.
    func settled(_ cluster: PostgresCluster, _ member: Daemon) async throws {
        let done = await eventually(timeout: .seconds(20), every: .milliseconds(20)) {
            guard let status = try? await member.status(), status.int("heldSignals") ?? 1 == 0 else { return false }
            guard let rows = try? await member.must("shards").json["shards"] as? [[String: Any]] else { return false }
            return rows.allSatisfy { ($0.int("cursorLag") ?? 1) == 0 }
        }
        try #require(done, "the cluster did not settle")
    }
}
