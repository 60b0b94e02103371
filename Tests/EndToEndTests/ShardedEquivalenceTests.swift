import CopyTradeProto
import Foundation
import Logging
import Testing
import TTRPC

/// Issue 11's acceptance (docs/sharding.md): the equivalence scenario (10,000 steps over 200
/// accounts, a barrier after each) gives every account the same result — wallet, available,
/// positions, realized PnL, fees, every event — and every step the same outcome on three
/// processes × 8 shards on PostgreSQL as on one process on SQLite; also when a member is
/// SIGKILLed in the middle, and when a member's PostgreSQL sessions are terminated.
@Suite("Equivalence on PostgreSQL", .serialized, .timeLimit(.minutes(10)),
       .enabled(if: ModuleConfiguration.current != .processes))
struct ShardedEquivalenceTests {
    static let reorderWindowMs = EquivalenceTests.reorderWindowMs

    /// The one-process run, made once for the three comparisons.
    static let reference = Task { () throws -> EquivalenceRun in
        let shape = EquivalenceScenario.Shape()
        return try await EquivalenceTests.runOnFreshDaemon(EquivalenceScenario.steps(shape), accounts: EquivalenceScenario.accounts(shape))
    }

    /// Runs the scenario on a fresh cluster; `fault` runs once, after step `faultAfter`.
    static func runOnCluster(maxShards: Int, faultAfter: Int? = nil,
                             fault: @escaping @Sendable (EquivalenceCluster) async throws -> Void = { _ in }) async throws -> EquivalenceRun {
        let shape = EquivalenceScenario.Shape()
        let steps = EquivalenceScenario.steps(shape), accounts = EquivalenceScenario.accounts(shape)
        let cluster = try await EquivalenceCluster.start(members: 3, maxShards: maxShards, reorderWindowMs: reorderWindowMs)
        var target = cluster.target
        if let faultAfter {
            let settle = target.barrier
            let done = StepCount()
            target.barrier = {
                try await settle()
                if done.next() == faultAfter { try await fault(cluster) }
            }
        }
        let run = try await EquivalenceRun.run(steps, accounts: accounts, on: target)
        print("equivalence (cluster): \(cluster.timing.description)")
        await cluster.close()
        for m in cluster.members { #expect(await m.stop() == 0, "a member did not stop cleanly; log:\n\(m.log.suffix(2_000))") }
        return run
    }

    static func compare(_ cluster: EquivalenceRun, label: String) async throws {
        let reference = try await Self.reference.value
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
        try await Self.compare(try await Self.runOnCluster(maxShards: 3), label: "3 members")
    }

    @Test("the same with a member holding shards SIGKILLed in the middle: a standby takes its shards, nothing lost or doubled")
    func memberKilled() async throws {
        let run = try await Self.runOnCluster(maxShards: 4, faultAfter: EquivalenceScenario.Shape().steps / 2) { cluster in
            let rows = try await cluster.shardRows()
            let victim = try #require(cluster.members.first { m in rows.contains { $0.address == "unix:\(m.socket)" } })
            await cluster.drop(victim)
            await victim.kill9()
        }
        try await Self.compare(run, label: "member killed")
    }

    @Test("the same with a member's PostgreSQL sessions terminated in the middle: it steps down, others take over")
    func sessionsTerminated() async throws {
        let run = try await Self.runOnCluster(maxShards: 4, faultAfter: EquivalenceScenario.Shape().steps / 2) { cluster in
            let rows = try await cluster.shardRows()
            let victim = try #require(cluster.members.first { m in rows.contains { $0.address == "unix:\(m.socket)" } })
            let held = rows.filter { $0.address == "unix:\(victim.socket)" }.map { Int($0.shard) }
            var terminated = 0
            for shard in held { terminated += try await cluster.cluster.terminateLeaseSession(shard: shard) }
            #expect(terminated == held.count, "terminated \(terminated) of \(held.count) lease sessions")
            #expect(await eventually(timeout: .seconds(20)) { victim.log.contains("stepping down from shard") }, "\(victim.log.suffix(2_000))")
        }
        try await Self.compare(run, label: "sessions terminated")
    }
}

private final class StepCount: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { n += 1; return n } }
}
