import CopyTradeProto
import TTRPC
import Logging
import CopyTradeCore
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11, one shard on PostgreSQL (docs/decisions.md, "PostgreSQL"): members of one cluster
/// on a real PostgreSQL server, as real processes driven by the real `copyctl`. The first
/// member holds the shard; the others forward every control call to it and take over when it
/// dies or loses its lease, recovering the shard from PostgreSQL.
@Suite("PostgreSQL cluster", .timeLimit(.minutes(4)))
struct PostgresClusterTests {
    @Test("two members: inputs through either are applied once; shards shows the holder and its epoch")
    func twoMembers() async throws {
        let cluster = try await PostgresCluster.make()
        let a = try await cluster.member()
        let b = try await cluster.member()
        try await b.must("account", "create", "U1", "--role", "copier", "--key", "create-U1")
        try await a.must("deposit", "U1", "100", "--key", "d-1")
        try await b.must("deposit", "U1", "50", "--key", "d-2")
        // The same key through the other member is the same input: answered, not applied again.
        #expect(try await b.must("deposit", "U1", "100", "--key", "d-1").duplicate == true)
        #expect(try await a.must("deposit", "U1", "50", "--key", "d-2").duplicate == true)
        for member in [a, b] {
            #expect(try await member.account("U1").decimal("wallet") == Dec.of("150"))
            let deposits = try await member.history(account: "U1").filter { ["d-1", "d-2"].contains($0.string("key") ?? "") }
            #expect(deposits.count == 2, "\(deposits)")
        }
        let shards = try await b.must("shards").json
        #expect(shards.int("shardCount") == 1)
        let row = try #require((shards["shards"] as? [[String: Any]])?.first)
        #expect(row.string("address") == "unix:\(a.socket)")
        #expect(row["held"] as? Bool == true)
        #expect(row.int("epoch") ?? 0 >= 1)
        #expect(row.int("lastSequence") == 3)
        // Watch is forwarded as a stream: the history after 0, through the standby.
        let watched = try await b.must("watch", "--after", "0", "--count", "3")
        #expect(watched.stdout.split(separator: "\n").count >= 3, "\(watched.summary)")
        // A SIGTERMed standby and holder stop cleanly.
        #expect(await b.stop() == 0)
        #expect(await a.stop() == 0)
    }

    @Test("across hosts: the holder serves TCP too and registers it; a standby forwards over TCP")
    func tcpMemberAddress() async throws {
        let cluster = try await PostgresCluster.make()
        let port = Int.random(in: 20_000...60_000)
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("ct-token-\(port)").path
        try "s3cret-\(port)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        let a = try await cluster.member(["--control-listen", "127.0.0.1:\(port)", "--member-address", "tcp:127.0.0.1:\(port)",
                                          "--control-token-file", tokenFile])
        let b = try await cluster.member(["--control-token-file", tokenFile])
        // A call on the TCP listener without the token is refused UNAUTHENTICATED.
        let raw = try await TTRPCClient.connect(to: .tcp(host: "127.0.0.1", port: port), logger: Logger(label: "test"))
        do {
            let _: Copytrade_V1_StatusResponse = try await raw.call(service: "copytrade.v1.Control", method: "Status",
                                                                    request: Copytrade_V1_StatusRequest())
            Issue.record("an unauthenticated TCP control call was answered")
        } catch let e as TTRPCError {
            #expect(e.code == .unauthenticated, "\(e)")
        }
        await raw.close()
        try await b.must("account", "create", "U1", "--role", "copier", "--key", "create-U1")
        try await b.must("deposit", "U1", "7", "--key", "d-1")
        #expect(try await a.account("U1").decimal("wallet") == Dec.of("7"))
        let row = try #require((try await b.must("shards").json["shards"] as? [[String: Any]])?.first)
        #expect(row.string("address") == "tcp:127.0.0.1:\(port)")
        #expect(await b.stop() == 0)
        #expect(await a.stop() == 0)
    }

    @Test("SIGKILL the holder mid-stream: the standby takes over, every acknowledged deposit applied once")
    func holderKilled() async throws {
        let cluster = try await PostgresCluster.make()
        let a = try await cluster.member()
        let b = try await cluster.member()
        try await failover(cluster, holder: a, standby: b) { await a.kill9() }
    }

    @Test("terminate the holder's PostgreSQL session: it steps down from the shard and stands by, the standby takes over")
    func leaseSessionTerminated() async throws {
        let cluster = try await PostgresCluster.make()
        let a = try await cluster.member()
        let b = try await cluster.member()
        try await failover(cluster, holder: a, standby: b) {
            let terminated = try await cluster.terminateLeaseSession()
            #expect(terminated == 1)
            #expect(await eventually(timeout: .seconds(20)) { a.log.contains("stepping down from shard 0") }, "\(a.log)")
        }
        // The former holder dropped the shard's state and went on as a member: with the other
        // member stopped, it takes the shard again (after its cooldown), recovered afresh.
        var wallet: Decimal8?
        #expect(await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            wallet = try? await a.copyctl("account", "show", "U1").decimal("wallet")
            return wallet != nil
        })
        #expect(wallet == Dec.of("90"))
        #expect(await a.stop() == 0)
    }

    @Test("the epoch moves under the holder (a paused leader): its appends are fenced, it steps down, nothing is lost")
    func epochMovedUnderHolder() async throws {
        let cluster = try await PostgresCluster.make()
        let a = try await cluster.member()
        let b = try await cluster.member()
        try await a.must("account", "create", "U1", "--role", "copier", "--key", "create-U1")
        // What a takeover does to a holder that has not noticed yet: the epoch row moves on.
        try await cluster.sql("UPDATE shard_lease SET epoch = epoch + 1 WHERE shard = 0")
        // Whatever the holder notices first (its probe or a fenced append), it never applies
        // the deposit itself: refused UNAVAILABLE until the standby has taken over, or, once
        // it has, forwarded to the new holder; applied once either way.
        var r = try await a.copyctl("deposit", "U1", "5", "--key", "d-1")
        #expect(r.exit == 2 || r.exit == 0, "\(r.summary)")
        #expect(await eventually(timeout: .seconds(20)) { a.log.contains("stepping down from shard 0") }, "\(a.log)")
        let tookOver = try await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
            r = try await b.copyctl("deposit", "U1", "5", "--key", "d-1")
            return r.ok
        }
        #expect(tookOver, "\(r.summary)")
        #expect(try await b.account("U1").decimal("wallet") == Dec.of("5"))
        let row = try #require((try await b.must("shards").json["shards"] as? [[String: Any]])?.first)
        #expect(row.int("lastSequence") == 2, "\(row)")
        #expect(await b.stop() == 0)
        #expect(await a.stop() == 0)
    }

    /// Streams keyed deposits through the standby's socket, retrying UNAVAILABLE (exit 2), and
    /// runs `fault` once some are acknowledged; then checks that the standby took over within
    /// seconds and that every deposit is in the state and the history exactly once.
    private func failover(_ cluster: PostgresCluster, holder a: Daemon, standby b: Daemon,
                          fault: @Sendable () async throws -> Void) async throws {
        try await b.must("account", "create", "U1", "--role", "copier", "--key", "create-U1")
        let total = 60
        let acked = Counter()
        let sender = Task { () throws -> Duration in
            var longestRetry = Duration.zero
            for i in 0..<total {
                let started = ContinuousClock.now
                while true {
                    let r = try await b.copyctl("deposit", "U1", "1.5", "--key", "dep-\(i)")
                    if r.ok { break }
                    try #require(r.exit == 2, "dep-\(i): \(r.summary)")
                    try #require(ContinuousClock.now - started < .seconds(30), "dep-\(i) unavailable for 30 s: \(r.summary)")
                    try await Task.sleep(for: .milliseconds(50))
                }
                longestRetry = max(longestRetry, ContinuousClock.now - started)
                await acked.add()
            }
            return longestRetry
        }
        try #require(await eventually(timeout: .seconds(60), every: .milliseconds(5)) { await acked.value >= 15 })
        try await fault()
        let longestRetry = try await sender.value
        // Takeover within a few seconds (lease retry 200 ms, recovery, the socket swap).
        #expect(longestRetry < .seconds(10), "an input waited \(longestRetry) for the takeover")

        let account = try await b.account("U1")
        #expect(account.decimal("deposits") == Dec.of("90"), "\(account)")
        #expect(account.decimal("wallet") == Dec.of("90"), "\(account)")
        let history = try await b.history(account: "U1")
        var perKey: [String: Int] = [:]
        for e in history { perKey[e.string("key") ?? "", default: 0] += 1 }
        for i in 0..<total { #expect(perKey["dep-\(i)"] == 1, "dep-\(i) is in the history \(perKey["dep-\(i)"] ?? 0) times") }
        try await b.checkAccountingIdentity()
        let row = try #require((try await b.must("shards").json["shards"] as? [[String: Any]])?.first)
        #expect(row.string("address") == "unix:\(b.socket)")
        #expect(row["held"] as? Bool == true)
        #expect(row.int("epoch") ?? 0 >= 2)
        // One journal entry per input (the account, then each deposit): nothing else was
        // appended, by the former holder or anyone.
        #expect(row.int("lastSequence") == Int64(total + 1), "\(row)")
        #expect(await b.stop() == 0)
    }

    @Test("bad options and an unreachable PostgreSQL are refused with a clear error")
    func refusals() async throws {
        let dir = NSTemporaryDirectory() + "ctpg-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func daemon(_ args: [String]) async throws -> ChildOutput {
            try await ChildProcess.run(Binaries.copytraded, ["--data", dir, "--socket", dir + "/s.sock"] + args,
                                       timeLimit: .seconds(60))
        }
        let malformed = try await daemon(["--postgres", "mysql://root@db/x"])
        #expect(malformed.status == 64 && malformed.stderr.contains("--postgres"), "\(malformed)")
        let noPassword = try await daemon(["--postgres", "postgresql://u:secret@host:notaport/db"])
        #expect(noPassword.status == 64 && !noPassword.stderr.contains("secret"), "\(noPassword)")
        let cluster = try await PostgresCluster.make()
        // TCP control without a token is refused at start: the control API moves money.
        let open = try await daemon(["--postgres", cluster.url, "--control-listen", "127.0.0.1:1"])
        #expect(open.status == 64 && open.stderr.contains("--control-token-file"), "\(open)")
        let none = try await daemon(["--postgres", cluster.url, "--shards", "0"])
        #expect(none.status == 64 && none.stderr.contains("--shards"), "\(none)")
        let noMax = try await daemon(["--postgres", cluster.url, "--max-shards", "0"])
        #expect(noMax.status == 64 && noMax.stderr.contains("--max-shards"), "\(noMax)")
        // PostgreSQL unreachable at start: the member runs, says why, and answers UNAVAILABLE
        // (copyctl exit 2: retry) until it can reach it; SIGTERM stops it cleanly.
        let unreachable = try await Daemon.start(flags: ["--postgres", "postgres://postgres@/db?host=/nonexistent-ct"],
                                                 ready: ["calc", "size", "--help"])
        var r = try await unreachable.copyctl("status")
        #expect(await eventually(timeout: .seconds(10)) {
            r = (try? await unreachable.copyctl("status")) ?? r
            return r.exit == 2 && r.stderr.contains("PostgreSQL")
        }, "\(r.summary)")
        #expect(unreachable.log.contains("cannot use PostgreSQL"), "\(unreachable.log)")
        #expect(await unreachable.stop() == 0)
        // One process on SQLite has no shards to list.
        let sqlite = try await Daemon.start()
        let noShards = try await sqlite.copyctl("shards")
        #expect(noShards.exit == 1 && noShards.stderr.contains("--postgres"), "\(noShards.summary)")
        #expect(await sqlite.stop() == 0)
        // A cluster created with another count (as a later multi-shard build would) is refused.
        let member = try await cluster.member()
        #expect(await member.stop() == 0)
        try await cluster.sql("UPDATE cluster SET shards = 4")
        let mismatch = try await daemon(["--postgres", cluster.url])
        #expect(mismatch.status == 78 && mismatch.stderr.contains("--shards 1 but the cluster was created with 4"), "\(mismatch)")
    }
}

private actor Counter {
    var value = 0
    func add() { value += 1 }
}
