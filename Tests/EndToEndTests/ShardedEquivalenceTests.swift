import CopyTradeProto
import Foundation
import Logging
import Testing
import TTRPC

/// Issue 11's acceptance (docs/sharding.md): the equivalence scenario (10,000 steps over 200
/// accounts, a barrier after each) gives every account the same result — wallet, available,
/// positions, realized PnL, fees, every event — and every step the same outcome on three
/// processes × 8 shards on PostgreSQL as on one process on SQLite; also when a member is
/// SIGKILLed, and then another member's PostgreSQL sessions are terminated, mid-run.
/// Run once, with the modules in process: what it compares is where the coordinator runs, not
/// where the modules do (the module configurations have the rest of the suite).
@Suite("Equivalence on PostgreSQL", .serialized, .timeLimit(.minutes(10)),
       .enabled(if: ModuleConfiguration.current == .inProcess))
struct ShardedEquivalenceTests {
    static let reorderWindowMs = EquivalenceTests.reorderWindowMs

    /// Runs the scenario on a fresh cluster; `fault` runs after each step in `faultAfter`.
    static func runOnCluster(maxShards: Int, faultAfter: Set<Int> = [],
                             fault: @escaping @Sendable (EquivalenceCluster, Int) async throws -> Void = { _, _ in }) async throws -> EquivalenceRun {
        let shape = EquivalenceScenario.Shape()
        let steps = EquivalenceScenario.steps(shape), accounts = EquivalenceScenario.accounts(shape)
        let cluster = try await EquivalenceCluster.start(members: 3, maxShards: maxShards, reorderWindowMs: reorderWindowMs)
        var target = cluster.target
        if !faultAfter.isEmpty {
            let settle = target.barrier
            let done = StepCount()
            target.barrier = {
                try await settle()
                let step = done.next()
                if faultAfter.contains(step) { try await fault(cluster, step) }
            }
        }
        let run = try await EquivalenceRun.run(steps, accounts: accounts, on: target)
        print("equivalence (cluster): \(cluster.timing.description)")
        await cluster.close()
        for m in cluster.members { #expect(await m.stop() == 0, "a member did not stop cleanly; log:\n\(m.log.suffix(2_000))") }
        return run
    }

    static func compare(_ cluster: EquivalenceRun, label: String) async throws {
        let reference = try await EquivalenceTests.reference.value
        let shape = EquivalenceScenario.Shape()
        let steps = EquivalenceScenario.steps(shape), accounts = EquivalenceScenario.accounts(shape)
        let stepDifference = EquivalenceDriver.firstDifference(steps, reference.outcomes, cluster.outcomes)
        #expect(stepDifference == nil, "\(label): a step's outcome differs from one process: \(stepDifference ?? "")")
        let difference = AccountResults.firstDifference(accounts, reference.results, cluster.results)
        #expect(difference == nil, "\(label): an account differs from one process: \(difference ?? "")")
        let violations = AccountResults.identityViolations(cluster.results)
        #expect(violations.isEmpty, "\(label): SPEC §7's identity is broken: \(violations.prefix(5))")
        print("equivalence (\(label)): \(steps.count) steps in \(cluster.stepsTook), results read in \(cluster.collectTook)")
    }

    @Test("three processes × 8 shards on PostgreSQL give every account and every step the one-process result")
    func threeMembers() async throws {
        _ = EquivalenceTests.reference  // started now: the one-process run goes on beside the cluster's
        try await Self.compare(try await Self.runOnCluster(maxShards: 3), label: "3 members")
    }

    /// Both faults in one run (each run of the scenario on a cluster takes minutes): a member
    /// holding shards is SIGKILLed a third of the way through, and another member's lease
    /// sessions are terminated two thirds of the way through. The standby takes the killed
    /// member's shards; the member whose sessions ended steps down and takes its shards again
    /// after its cooldown, recovered from PostgreSQL. The result must not change.
    @Test("the same with a member SIGKILLed, then another's PostgreSQL sessions terminated, mid-run: nothing lost or doubled")
    func failover() async throws {
        let steps = EquivalenceScenario.Shape().steps
        let kill = steps / 3, terminate = 2 * steps / 3
        let run = try await Self.runOnCluster(maxShards: 4, faultAfter: [kill, terminate]) { cluster, step in
            let rows = try await cluster.shardRows()
            let holders = cluster.members.filter { m in rows.contains { $0.address == "unix:\(m.socket)" } }
            let victim = try #require(holders.first, "no member holds a shard: \(rows)")
            if step == kill {
                await cluster.drop(victim)
                await victim.kill9()
                return
            }
            let held = rows.filter { $0.address == "unix:\(victim.socket)" }.map { Int($0.shard) }
            var terminated = 0
            for shard in held { terminated += try await cluster.cluster.terminateLeaseSession(shard: shard) }
            #expect(terminated == held.count, "terminated \(terminated) of \(held.count) lease sessions")
            #expect(await eventually(timeout: .seconds(20)) { victim.log.contains("stepping down from shard") }, "\(victim.log.suffix(2_000))")
        }
        try await Self.compare(run, label: "member killed, sessions terminated")
    }
}

private final class StepCount: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { n += 1; return n } }
}
