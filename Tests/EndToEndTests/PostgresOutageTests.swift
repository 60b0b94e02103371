import CopyTradeCore
import Foundation
import Logging
import TTRPC
import Testing
import TestSupport

/// PostgreSQL goes away under a running member and comes back (docs/decisions.md,
/// "PostgreSQL"): the member reaches the server only through a ``UnixSocketProxy``, which the
/// test cuts mid-stream. While it is cut the member keeps running: Health NOT_SERVING, control
/// calls UNAVAILABLE (copyctl exit 2) naming PostgreSQL, nothing acknowledged; once it is
/// restored the member takes its shard again, recovered from PostgreSQL, and every deposit
/// acknowledged before, during or after is applied exactly once.
@Suite("PostgreSQL outage", .timeLimit(.minutes(4)))
struct PostgresOutageTests {
    @Test("PostgreSQL cut mid-stream: NOT_SERVING and UNAVAILABLE while it is gone; restored, every acknowledged deposit applied once")
    func outageMidStream() async throws {
        let cluster = try await PostgresCluster.make()
        let proxy = try UnixSocketProxy(forwardingTo: cluster.server)
        defer { proxy.close() }
        let url = "postgres://\(cluster.server.user)@/\(cluster.database)?host=\(proxy.directory)&port=\(proxy.port)"
        let member = try await Daemon.start(flags: ["--postgres", url])
        try await member.must("account", "create", "U1", "--role", "copier", "--key", "create-U1")
        #expect(try await health(member) == .serving)
        #expect(proxy.forwarded > 0, "the member did not reach PostgreSQL through the proxy")

        let total = 60
        let acked = AckCounter()
        let sender = Task { () throws in
            for i in 0..<total {
                let started = ContinuousClock.now
                while true {
                    let r = try await ctl(member, ["deposit", "U1", "1.5", "--key", "dep-\(i)"])
                    if r.ok { break }
                    try #require(r.exit == 2, "dep-\(i) was not answered UNAVAILABLE: \(r.summary)")
                    try #require(ContinuousClock.now - started < .seconds(90), "dep-\(i) unavailable for 90 s: \(r.summary)")
                    try await Task.sleep(for: .milliseconds(50))
                }
                await acked.add()
            }
        }
        defer { sender.cancel() }
        try #require(await eventually(timeout: .seconds(60), every: .milliseconds(5)) { await acked.value >= 15 })

        proxy.cut()
        let cutAt = ContinuousClock.now
        var status: Grpc_Health_V1_HealthCheckResponse.ServingStatus?
        #expect(await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
            status = try? await health(member)
            return status == .notServing
        }, "Health answered \(String(describing: status)) after the cut")
        let notServingAfter = ContinuousClock.now - cutAt
        var r = CtlResult.empty
        var slowest = Duration.zero
        #expect(await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
            let asked = ContinuousClock.now
            r = (try? await ctl(member, ["status"])) ?? r
            slowest = max(slowest, ContinuousClock.now - asked)
            return r.exit == 2 && r.stderr.contains("PostgreSQL")
        }, "copyctl status during the outage: \(r.summary)")
        #expect(slowest < .seconds(10), "copyctl status took \(slowest) during the outage: \(r.summary)")
        #expect(await eventually(timeout: .seconds(10)) { member.log.contains("cannot use PostgreSQL") }, "\(member.log)")
        // Nothing can be committed now, so nothing is acknowledged while the proxy stays cut.
        let ackedInOutage = await acked.value
        try await Task.sleep(for: .seconds(1))
        #expect(await acked.value == ackedInOutage, "deposits acknowledged while PostgreSQL was unreachable")
        #expect(await acked.value < total, "the stream finished before the cut took effect")
        #expect(try await health(member) == .notServing)
        let outage = ContinuousClock.now - cutAt

        try proxy.restore()
        let restoredAt = ContinuousClock.now
        try await sender.value
        let resumed = ContinuousClock.now - restoredAt
        #expect(await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            status = try? await health(member)
            return status == .serving
        }, "Health answered \(String(describing: status)) after the restore")
        // Said once it answers again, after saying it could not be used (it says so at start too).
        let log = member.log
        let lastFailure = try #require(log.range(of: "cannot use PostgreSQL", options: .backwards), "\(log)")
        #expect(log[lastFailure.upperBound...].contains("PostgreSQL answers again"), "\(log)")

        let account = try await member.account("U1")
        #expect(account.decimal("deposits") == Dec.of("90"), "\(account)")
        #expect(account.decimal("wallet") == Dec.of("90"), "\(account)")
        let history = try await member.history(account: "U1")
        var perKey: [String: Int] = [:]
        for e in history { perKey[e.string("key") ?? "", default: 0] += 1 }
        for i in 0..<total { #expect(perKey["dep-\(i)"] == 1, "dep-\(i) is in the history \(perKey["dep-\(i)"] ?? 0) times") }
        try await member.checkAccountingIdentity()
        // The shard was recovered from PostgreSQL: one journal entry per input, nothing more.
        let row = try #require((try await member.must("shards").json["shards"] as? [[String: Any]])?.first)
        #expect(row["held"] as? Bool == true)
        #expect(row.int("lastSequence") == Int64(total + 1), "\(row)")
        print("PostgreSQL outage: NOT_SERVING \(notServingAfter) after the cut, cut for \(outage), stream finished \(resumed) after the restore; "
              + "\(proxy.forwarded) connections proxied")
        #expect(await member.stop() == 0, "\(member.log)")
    }

    /// `grpc.health.v1.Health/Check` for `copytrade.v1.Control` on the member's socket.
    private func health(_ d: Daemon) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        let client = try await TTRPCClient.connect(to: .unix(path: d.socket), logger: Logger(label: "outage-test"))
        do {
            let status = try await client.healthCheck(service: "copytrade.v1.Control", timeout: .seconds(5))
            await client.close()
            return status
        } catch {
            await client.close()
            throw error
        }
    }

    /// `copyctl` on the member with a time limit well under copyctl's own 60 s call deadline, so
    /// a hung call shows as one (killed at its time limit) instead of a long wait.
    private func ctl(_ d: Daemon, _ args: [String]) async throws -> CtlResult {
        CtlResult(try await ChildProcess.run(Binaries.copyctl, ["--socket", d.socket, "--json"] + args,
                                             timeLimit: .seconds(30)))
    }
}

private actor AckCounter {
    var value = 0
    func add() { value += 1 }
}
