import CopyTradeProto
import Foundation
import Logging
import TTRPC

/// The equivalence scenario's cluster target (docs/sharding.md): members of one PostgreSQL
/// cluster of 8 shards, steps sent to the members in turn (so most are forwarded), retried with
/// the same key while a shard has no holder (a takeover), as a client would.
final class EquivalenceCluster: @unchecked Sendable {
    static let shards = 8
    let cluster: PostgresCluster
    private(set) var members: [Daemon]
    private var clients: [TTRPCClient]
    private let lock = NSLock()

    init(cluster: PostgresCluster, members: [Daemon]) async throws {
        self.cluster = cluster
        self.members = members
        var clients: [TTRPCClient] = []
        for m in members { clients.append(try await TTRPCClient.connect(to: .unix(path: m.socket), logger: Logger(label: "equivalence"))) }
        self.clients = clients
    }

    /// Starts `count` members of a fresh cluster, each holding at most `maxShards`, and waits
    /// until every shard is held.
    static func start(members count: Int, maxShards: Int, reorderWindowMs: Int) async throws -> EquivalenceCluster {
        let cluster = try await PostgresCluster.make()
        var members: [Daemon] = []
        for _ in 0..<count {
            members.append(try await cluster.member(["--shards", "\(shards)", "--max-shards", "\(maxShards)"],
                                                    reorderWindowMs: reorderWindowMs, ready: ["shards"]))
        }
        let c = try await EquivalenceCluster(cluster: cluster, members: members)
        try await c.waitUntilHeld()
        return c
    }

    /// The live members' clients (a killed member's is dropped).
    private var live: [TTRPCClient] { lock.withLock { clients } }

    func drop(_ member: Daemon) async {
        let gone: TTRPCClient? = lock.withLock {
            guard let i = members.firstIndex(where: { $0 === member }) else { return nil }
            members.remove(at: i)
            return clients.remove(at: i)
        }
        await gone?.close()
    }

    func close() async { for c in live { await c.close() } }

    /// Calls a live member chosen by `turn`, retrying UNAVAILABLE (no holder yet, a takeover,
    /// a member going away) for up to 30 s with the same request, hence the same key.
    func call(_ method: String, _ request: Data, turn: Int, metadata: TTRPCMetadata = [:]) async throws -> Data {
        let deadline = ContinuousClock.now + .seconds(30)
        var attempt = turn
        while true {
            let clients = live
            let client = clients[attempt % clients.count]
            do {
                return try await client.rawCall(service: "copytrade.v1.Control", method: method, payload: request,
                                                timeout: .seconds(60), metadata: metadata)
            } catch let e as TTRPCError where e.code == .unavailable && ContinuousClock.now < deadline {
                attempt += 1
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func status() async throws -> Copytrade_V1_StatusResponse {
        try Copytrade_V1_StatusResponse(serializedBytes: try await call("Status", Data(), turn: 0))
    }

    func shardRows() async throws -> [Copytrade_V1_ShardInfo] {
        try Copytrade_V1_ShardsResponse(serializedBytes: try await call("Shards", Data(), turn: 0)).shards
    }

    func waitUntilHeld(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !shardRows().allSatisfy(\.held) {
            guard ContinuousClock.now < deadline else { throw EquivalenceFailure.barrier("not every shard is held after \(timeout)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Everything settled: no signal held anywhere, every decided input committed (the
    /// shards' in-memory sequences, summed by `Status`, equal their journals' in PostgreSQL,
    /// read after), and no message waiting anywhere (every cursor lag 0, one consistent read).
    func barrier(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while true {
            let status = try await status()
            let rows = try await shardRows()
            let committed = rows.reduce(0) { $0 + $1.lastSequence }
            let lag = rows.reduce(0) { $0 + $1.cursorLag }
            if status.heldSignals == 0, committed == status.lastSequence, lag == 0 { return }
            last = "held \(status.heldSignals), decided \(status.lastSequence), committed \(committed), lag \(lag)"
            guard ContinuousClock.now < deadline else { throw EquivalenceFailure.barrier("not settled after \(timeout): \(last)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Time spent in steps' calls and in barriers, for the report.
    let timing = Timing()

    /// The scenario's target: steps round-robin over the members; histories read shard by shard.
    var target: EquivalenceTarget {
        let turn = Counter()
        let timing = self.timing
        return EquivalenceTarget(
            call: { method, request in
                let started = ContinuousClock.now
                defer { timing.add(call: ContinuousClock.now - started) }
                return try await self.call(method, request, turn: turn.next())
            },
            barrier: {
                let started = ContinuousClock.now
                defer { timing.add(barrier: ContinuousClock.now - started) }
                try await self.barrier()
            },
            historyReading: .perShard(count: Self.shards, read: { shard, request in
                try await self.call("History", request, turn: shard, metadata: ["copytrade-shard": "\(shard)"])
            }))
    }

    final class Timing: @unchecked Sendable {
        private var calls = Duration.zero, barriers = Duration.zero
        private let lock = NSLock()
        func add(call: Duration = .zero, barrier: Duration = .zero) { lock.withLock { calls += call; barriers += barrier } }
        var description: String { lock.withLock { "calls \(calls), barriers \(barriers)" } }
    }

    private final class Counter: @unchecked Sendable {
        private var n = 0
        private let lock = NSLock()
        func next() -> Int { lock.withLock { n += 1; return n } }
    }
}
