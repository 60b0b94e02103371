import Coordinator
import CopyTradeCore
import CopyTradeProto
import Foundation
import Logging
import SwiftProtobuf
import TTRPC
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 11's aim for shards: fan-out throughput that grows with members. One trader's open
/// reaches copiers spread over every shard of a fresh cluster; its shard copies its own and
/// sends one message to each other shard, whose holder applies it. The bench runs the same
/// cluster size with 1, 2 and 4 `copytraded --postgres` members (`--max-shards ceil(S/M)`
/// each) and times the open until the whole cluster has applied it, so what is measured is
/// the cluster's work, not one member's acknowledgement.
struct ShardedFanOutBench {
    let options: PostgresOptions
    let json: Bool
    let binary: String
    let logger: Logger
    static let symbol = "BTCUSDT"
    static let trader = "trader-1"
    static let e8 = Decimal8.unitsPerOne
    static let markE8 = 30_000 * e8

    struct Run {
        var ackMs: Double
        var settledMs: Double
        /// The machine's cores busy over open → settled, and the members' CPU time in it.
        var cpu: CPUSample.Delta
    }

    func run(_ server: PostgresServer, root: URL) async throws {
        let shards = options.shards, copiers = options.fanoutCopiers
        let report = Report("postgres (d): one trader open fanned out to \(fmt(Double(copiers))) copiers over \(shards) shards, by members (copytraded --postgres processes)",
                            columns: ["members", "--max-shards", "copiers", "copiers per shard", "setup s", "open ack ms",
                                      "open → settled ms (each run)", "open → settled ms", "copier orders/s", "× 1 member",
                                      "machine CPU busy", "members' CPU ms"],
                            json: json)
        let perShard = (0..<shards).map { s in (0..<copiers).filter { ShardLayout.shard(of: Self.copier($0), count: shards) == s }.count }
        var oneMember: Double?
        for members in options.fanoutMemberCounts {
            let maxShards = (shards + members - 1) / members
            progress("postgres: fan-out over \(shards) shards, \(members) member(s) of --max-shards \(maxShards): starting")
            let cluster = try await BenchCluster.start(server, binary: binary, root: root.appendingPathComponent("fanout-\(members)"),
                                                       shards: shards, holders: members, maxShards: maxShards, logger: logger)
            let (setup, runs): (Double, [Run])
            do {
                let connections = try await cluster.connect(4)
                do {
                    progress("postgres: fan-out, \(members) member(s): \(copiers) copiers (create, deposit, follow)")
                    setup = try await self.setup(connections)
                    var done: [Run] = []
                    for run in 1...options.fanoutRuns {
                        progress("postgres: fan-out, \(members) member(s): open \(run) of \(options.fanoutRuns)")
                        done.append(try await openAndClose(run, cluster, connections, copiers: copiers))
                    }
                    runs = done
                } catch {
                    for c in connections { await c.close() }
                    throw error
                }
                for c in connections { await c.close() }
            } catch {
                cluster.killAll()
                throw error
            }
            await cluster.stop()
            try? FileManager.default.removeItem(at: root.appendingPathComponent("fanout-\(members)"))

            for (i, r) in runs.enumerated() {
                var o = JSONObject()
                o.set("bench", .string("postgres.sharded_fanout"))
                o.set("members", .int(Int64(members)))
                o.set("max_shards", .int(Int64(maxShards)))
                o.set("shards", .int(Int64(shards)))
                o.set("copiers", .int(Int64(copiers)))
                o.set("run", .int(Int64(i + 1)))
                o.set("open_ack_ms", .double(r.ackMs))
                o.set("settled_ms", .double(r.settledMs))
                o.set("copier_orders_per_sec", .double(Double(copiers) / (r.settledMs / 1000)))
                o.set("machine_cpu_busy", .double(r.cpu.busy))
                o.set("members_cpu_ms", .double(r.cpu.membersMs))
                if json {
                    print(o.text)
                    flushStdout()
                }
            }
            let settled = median(runs.map(\.settledMs)), ack = median(runs.map(\.ackMs))
            let busy = median(runs.map(\.cpu.busy)), membersMs = median(runs.map(\.cpu.membersMs))
            let rate = Double(copiers) / (settled / 1000)
            if members == 1 { oneMember = rate }
            var o = JSONObject()
            o.set("bench", .string("postgres.sharded_fanout"))
            o.set("members", .int(Int64(members)))
            o.set("max_shards", .int(Int64(maxShards)))
            o.set("shards", .int(Int64(shards)))
            o.set("copiers", .int(Int64(copiers)))
            o.set("run", .string("median"))
            o.set("runs", .int(Int64(runs.count)))
            o.set("setup_s", .double(setup))
            o.set("open_ack_ms", .double(ack))
            o.set("settled_ms", .double(settled))
            o.set("copier_orders_per_sec", .double(rate))
            o.set("vs_1_member", oneMember.map { .double(rate / $0) } ?? .null)
            o.set("machine_cpu_busy", .double(busy))
            o.set("members_cpu_ms", .double(membersMs))
            report.add(["\(members)", "\(maxShards)", fmt(Double(copiers)), "\(perShard.min() ?? 0)–\(perShard.max() ?? 0)",
                        fmt(setup, 1), fmt(ack, 0), runs.map { fmt($0.settledMs, 0) }.joined(separator: " / "),
                        fmt(settled, 0), fmt(rate), oneMember.map { fmt(rate / $0, 2) } ?? "",
                        "\(fmt(busy * 100, 0)) %", fmt(membersMs, 0)], json: o)
        }
        report.note("Each member count on a fresh database; the members start on it, and timing waits until every shard is held and Status answers through each member. Setup (not timed): \(Self.trader) with 100,000 USDT, then per copier create, deposit 10,000 USDT and follow (proportional 1×, leverage 10), 4 ttrpc connections spread over the members with up to 100 calls in flight each; then a \(Self.symbol) mark of 30,000, applied by every shard.")
        report.note("Timed: \(Self.trader) opens 0.5 \(Self.symbol) long at 30,000, 10×, sent through the first member's socket ('open ack': its shard has committed the trader's position, the copies on that shard and the messages to the others), until a poll through that socket (Status, then Shards, \(Self.pollMs) ms apart) finds \(fmt(Double(copiers + 1))) open positions and every shard's cursorLag 0. Copier orders/s = copiers / that time; the median of the runs. After each run the trader closes and the cluster settles again (not timed).")
        report.note("'machine CPU busy': the share of all \(ProcessInfo.processInfo.activeProcessorCount) cores busy (/proc/stat, any process) from sending the open to the settled answer; 'members' CPU ms': the member processes' user + system time in it (/proc/PID/stat). Both count in ticks of \(fmt(CPUSample.tickMs, 0)) ms; medians of the runs.")
        report.note("Aim (issue 11): throughput that grows with members. Every member and the PostgreSQL server share this machine's \(ProcessInfo.processInfo.activeProcessorCount) cores, so more members add processes, not cores.")
        report.finish()
    }

    static func copier(_ i: Int) -> String { "copier-\(i)" }

    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// Accounts, deposits, follows and the mark; returns the seconds it took.
    func setup(_ connections: [TTRPCClient]) async throws -> Double {
        let t0 = nowNanos()
        let first = connections[0]
        _ = try await Self.input(first, "CreateAccount", {
            var r = Copytrade_V1_CreateAccountRequest()
            r.key = "create-\(Self.trader)"
            r.accountID = Self.trader
            r.role = .trader
            return r
        }())
        _ = try await Self.input(first, "Deposit", Self.transfer(Self.trader, 100_000))
        // Each copier's three inputs in order (a follow needs the account, and its balance
        // sizes the copies); many copiers at once.
        try await Self.bulk(options.fanoutCopiers, over: connections) { i, client in
            let id = Self.copier(i)
            var create = Copytrade_V1_CreateAccountRequest()
            create.key = "create-\(id)"
            create.accountID = id
            create.role = .copier
            _ = try await Self.input(client, "CreateAccount", create)
            _ = try await Self.input(client, "Deposit", Self.transfer(id, 10_000))
            var follow = Copytrade_V1_FollowRequest()
            follow.key = "follow-\(id)"
            follow.copierID = id
            follow.traderID = Self.trader
            follow.mode = .proportional
            follow.multiplierE8 = Self.e8
            follow.leverage = 10
            _ = try await Self.input(client, "Follow", follow)
        }
        var mark = Copytrade_V1_SetMarkPriceRequest()
        mark.key = "mark-1"
        mark.symbol = Self.symbol
        mark.priceE8 = Self.markE8
        mark.atMs = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await Self.input(first, "SetMark", mark)
        // The mark reaches the other shards as messages: every copier's shard needs it.
        _ = try await Self.waitSettled(first, positions: 0, within: .seconds(60))
        return seconds(since: t0)
    }

    /// One timed open, then an untimed close, each until the cluster has settled.
    func openAndClose(_ run: Int, _ cluster: BenchCluster, _ connections: [TTRPCClient], copiers: Int) async throws -> Run {
        let pids = cluster.members.map(\.process.pid)
        let client = connections[0]
        var open = Copytrade_V1_OpenRequest()
        open.key = "open-\(run)"
        open.accountID = Self.trader
        open.symbol = Self.symbol
        open.side = .long
        open.quantityE8 = Self.e8 / 2
        open.priceE8 = Self.markE8
        open.leverage = 10
        open.marginMode = .isolated
        open.atMs = Int64(Date().timeIntervalSince1970 * 1000)
        let cpu0 = CPUSample.take(pids)
        let t0 = nowNanos()
        _ = try await Self.input(client, "Open", open)
        let ackMs = Double(nowNanos() - t0) / 1e6
        let settledAt = try await Self.waitSettled(client, positions: UInt64(copiers + 1), within: .seconds(300))
        let settledMs = Double(settledAt - t0) / 1e6
        let cpu = CPUSample.take(pids).since(cpu0)

        var close = Copytrade_V1_CloseRequest()
        close.key = "close-\(run)"
        close.accountID = Self.trader
        close.symbol = Self.symbol
        close.priceE8 = Self.markE8
        close.atMs = Int64(Date().timeIntervalSince1970 * 1000)
        _ = try await Self.input(client, "Close", close)
        _ = try await Self.waitSettled(client, positions: 0, within: .seconds(300))
        return Run(ackMs: ackMs, settledMs: settledMs, cpu: cpu)
    }

    // MARK: - Calls

    static func transfer(_ account: String, _ amount: Int64) -> Copytrade_V1_TransferRequest {
        var r = Copytrade_V1_TransferRequest()
        r.key = "deposit-\(account)"
        r.accountID = account
        r.amountE8 = amount * e8
        return r
    }

    /// A keyed input, retried while UNAVAILABLE (a shard still being taken; the key makes the
    /// retry safe).
    @discardableResult
    static func input<R: SwiftProtobuf.Message>(_ client: TTRPCClient, _ method: String, _ request: R) async throws -> Copytrade_V1_InputResult {
        var tries = 0
        while true {
            do {
                return try await client.call(service: ServiceDefinition.controlName, method: method, request: request,
                                             responseType: Copytrade_V1_InputResult.self, timeout: .seconds(120))
            } catch let error as TTRPCError where error.code == .unavailable && tries < 50 {
                tries += 1
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// `body(i, connection)` for each i in 0..<count, i on connection `i % connections.count`,
    /// each connection with its own window of 100 in flight: a member refuses more than 128 on
    /// one connection, and one shared window would let a slower connection's share grow past it.
    static func bulk(_ count: Int, over connections: [TTRPCClient],
                     _ body: @escaping @Sendable (Int, TTRPCClient) async throws -> Void) async throws {
        let k = connections.count
        try await withThrowingTaskGroup(of: Void.self) { all in
            for (j, client) in connections.enumerated() {
                all.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        var next = j
                        func launch() {
                            let i = next
                            next += k
                            group.addTask { try await body(i, client) }
                        }
                        for _ in 0..<100 where next < count { launch() }
                        while try await group.next() != nil {
                            if next < count { launch() }
                        }
                    }
                }
            }
            try await all.waitForAll()
        }
    }

    /// Between polls: short next to the ~100 ms measured, long enough that the polls (each a
    /// Status to every shard and a Shards query) take little from the cores being measured.
    static let pollMs = 5

    /// Polls (Status, then Shards, `pollMs` apart) until `positions` are open and every shard's
    /// cursorLag is 0; returns when the answer showing both arrived (nowNanos).
    static func waitSettled(_ client: TTRPCClient, positions: UInt64, within limit: Duration) async throws -> UInt64 {
        let deadline = ContinuousClock.now.advanced(by: limit)
        var last = ""
        while true {
            let status = try await client.call(service: ServiceDefinition.controlName, method: "Status",
                                               request: Copytrade_V1_StatusRequest(), responseType: Copytrade_V1_StatusResponse.self,
                                               timeout: .seconds(60))
            if status.openPositions == positions {
                let shards = try await client.call(service: ServiceDefinition.controlName, method: "Shards",
                                                   request: Copytrade_V1_ShardsRequest(), responseType: Copytrade_V1_ShardsResponse.self,
                                                   timeout: .seconds(60))
                if shards.shards.allSatisfy({ $0.cursorLag == 0 }) { return nowNanos() }
                last = "cursor lags \(shards.shards.map(\.cursorLag))"
            } else {
                last = "\(status.openPositions) open positions"
            }
            guard ContinuousClock.now < deadline else {
                throw BenchError("the cluster did not settle at \(positions) open positions within \(limit): \(last)")
            }
            try await Task.sleep(for: .milliseconds(Self.pollMs))
        }
    }
}

/// The `copytraded --postgres` members of one fresh cluster (a database of its own), started
/// so that the layout is the one asked for: `holders` members of `--max-shards maxShards` hold
/// every shard before any standby starts (a standby started earlier could take a shard first).
struct BenchCluster {
    let members: [PostgresBench.Member]
    let shards: Int
    let logger: Logger

    static func start(_ server: PostgresServer, binary: String, root: URL, shards: Int, holders: Int, maxShards: Int?,
                      standbys: Int = 0, logger: Logger) async throws -> BenchCluster {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let database = try await server.createDatabase("bench_cluster")
        let url = "postgres://\(server.user)@/\(database)?host=\(server.directory)&port=\(server.port)"
        let arguments = ["--shards", "\(shards)"] + (maxShards.map { ["--max-shards", "\($0)"] } ?? [])
        var cluster = BenchCluster(members: [], shards: shards, logger: logger)
        func add(_ name: String) throws -> PostgresBench.Member {
            let m = try PostgresBench.Member.start(binary, dir: root.appendingPathComponent(name).path, url: url, arguments: arguments)
            cluster = BenchCluster(members: cluster.members + [m], shards: shards, logger: logger)
            return m
        }
        do {
            // The first creates the cluster's tables; the others join it once it has.
            try await add("m0").waitUntilJoined(within: .seconds(60), logger: logger)
            for i in 1..<max(1, holders) { try await add("m\(i)").waitUntilJoined(within: .seconds(60), logger: logger) }
            _ = try await cluster.waitUntilHeld(within: .seconds(60))
            for i in 0..<standbys { _ = try add("standby\(i)") }
            // Status fans out to every shard: answered through a member, every shard serves
            // and that member routes to each.
            for m in cluster.members { try await m.waitUntilAnswering(within: .seconds(60), logger: logger) }
        } catch {
            cluster.killAll()
            throw error
        }
        return cluster
    }

    /// Who holds each shard (the holder's member id), once every shard is held.
    func waitUntilHeld(within limit: Duration) async throws -> [Int: String] {
        let deadline = ContinuousClock.now.advanced(by: limit)
        var last = ""
        while true {
            do {
                let answer = try await members[0].call("Shards", Copytrade_V1_ShardsRequest(), Copytrade_V1_ShardsResponse.self,
                                                       timeout: .seconds(5), logger: logger)
                if answer.shards.count == shards, answer.shards.allSatisfy(\.held) {
                    return Dictionary(uniqueKeysWithValues: answer.shards.map { (Int($0.shard), $0.holder) })
                }
                last = "\(answer.shards.filter(\.held).count) of \(shards) held"
            } catch {
                last = "\(error)"
            }
            guard ContinuousClock.now < deadline else { throw BenchError("not every shard is held after \(limit): \(last)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The member whose process holds a lease named `holder` (member ids carry the pid).
    func member(holding holder: String) -> PostgresBench.Member? {
        members.first { holder.contains(":\($0.process.pid):") }
    }

    /// `count` connections kept open for bulk calls and polls, spread over the members.
    func connect(_ count: Int) async throws -> [TTRPCClient] {
        var out: [TTRPCClient] = []
        do {
            for i in 0..<count {
                out.append(try await TTRPCClient.connect(to: .unix(path: members[i % members.count].socket), logger: logger))
            }
        } catch {
            for c in out { await c.close() }
            throw error
        }
        return out
    }

    func killAll() { for m in members { m.process.kill9() } }

    /// SIGTERM to every member at once (each writes its snapshots and releases its leases).
    func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for m in members where m.process.isRunning {
                group.addTask {
                    if await m.process.stop(grace: .seconds(30)) != 0 { progress("postgres: a member did not stop cleanly; log: \(m.logPath)") }
                }
            }
        }
    }
}

/// CPU use over a timed window, to tell a cluster short of cores from one waiting on something
/// else: the machine's busy and total ticks (/proc/stat, every core and process) and some
/// processes' user + system ticks (/proc/PID/stat). Ticks are USER_HZ, 10 ms on Linux.
struct CPUSample {
    var busy: UInt64
    var total: UInt64
    var processes: UInt64

    static var tickMs: Double { 1000 / Double(sysconf(Int32(_SC_CLK_TCK))) }

    struct Delta {
        /// The share of all cores busy, 0...1.
        var busy: Double
        var membersMs: Double
    }

    static func take(_ pids: [pid_t]) -> CPUSample {
        // cpu  user nice system idle iowait irq softirq steal ...
        let line = ((try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? "").split(separator: "\n").first ?? ""
        let f = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        let busy = f.count >= 8 ? f[0] + f[1] + f[2] + f[5] + f[6] + f[7] : 0
        let idle = f.count >= 5 ? f[3] + f[4] : 0
        var processes: UInt64 = 0
        for pid in pids {
            // After "(comm)": state is field 3, utime 14 and stime 15.
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            if fields.count > 12 { processes += (UInt64(fields[11]) ?? 0) + (UInt64(fields[12]) ?? 0) }
        }
        return CPUSample(busy: busy, total: busy + idle, processes: processes)
    }

    func since(_ start: CPUSample) -> Delta {
        let total = total &- start.total
        return Delta(busy: total == 0 ? 0 : Double(busy &- start.busy) / Double(total),
                     membersMs: Double(processes &- start.processes) * Self.tickMs)
    }
}
