import ArgumentParser
import Coordinator
import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging
import PostgresJournal
import PostgresNIO
import SwiftProtobuf
import TTRPC
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

struct PostgresOptions: ParsableArguments {
    @Option(name: .customLong("pg-entries"), help: "Entries appended by the journal-alone rows (PostgreSQL and SQLite).")
    var entries = 20_000
    @Option(name: .customLong("pg-deposits"), help: "Deposits through the sequencer (PostgreSQL and SQLite rows).")
    var deposits = 20_000
    @Option(name: .customLong("pg-concurrency"), help: "Concurrent appenders / submissions in flight.")
    var concurrency = 1_024
    @Option(name: .customLong("failover-runs"), help: "Failover runs (the table gives the median; 0 skips failover).")
    var failoverRuns = 3
    @Option(name: .customLong("pg-fsync"), help: "PostgreSQL durability: on (fsync and full_page_writes on, the default) or off (the tests' setting).")
    var fsync = "on"
    @Option(name: .customLong("copytraded-bin"), help: "copytraded executable (default: next to copytrade-bench).")
    var copytradedBin: String?
    @Option(name: .customLong("pg-shards"), help: "Shards of the cluster in the fan-out rows and the sharded failover rows (1 leaves those out).")
    var shards = 8
    @Option(name: .customLong("fanout-runs"), help: "Timed trader opens per member count in the sharded fan-out (the table gives the median; 0 skips it).")
    var fanoutRuns = 3
    @Option(name: .customLong("fanout-copiers"), help: "Copiers, spread over the shards, in the sharded fan-out.")
    var fanoutCopiers = 10_000
    @Option(name: .customLong("fanout-members"), help: "Member counts for the sharded fan-out, comma separated (each holds ceil(shards / members) shards).")
    var fanoutMembers = "1,2,4"

    var fanoutMemberCounts: [Int] { fanoutMembers.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
}

struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "PostgreSQL journal vs SQLite (appends, journaled deposits), failover of copytraded --postgres members, fan-out over shards by members.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var options: PostgresOptions

    func run() async throws {
        Machine.current().print(json: common.json, command: common.commandLine)
        try await PostgresBench(options: options, json: common.json).run()
    }
}

/// Issue 11's figures: journaled inputs/s on PostgreSQL next to SQLite, the failover time
/// from SIGKILLing a shard's holder to the standby serving (one shard, and a cluster of
/// `--pg-shards`), and one open fanned out over that cluster's shards by 1, 2 and 4 members
/// (`ShardedFanOutBench`). The PostgreSQL server is a
/// throwaway cluster of the bench's own (TestSupport's `PostgresServer`, the tests' one), with
/// fsync on unless `--pg-fsync off`; it is stopped and removed at the end, and at exit.
struct PostgresBench {
    let options: PostgresOptions
    let json: Bool
    let quiet = Logger(label: "bench.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() async throws {
        guard ["on", "off"].contains(options.fsync) else { throw BenchError("--pg-fsync must be on or off, got \(options.fsync)") }
        guard (1...1024).contains(options.shards) else { throw BenchError("--pg-shards must be between 1 and 1024, got \(options.shards)") }
        guard options.fanoutRuns == 0 || (options.fanoutCopiers > 0 && !options.fanoutMemberCounts.isEmpty
                                          && options.fanoutMemberCounts.allSatisfy({ $0 >= 1 })) else {
            throw BenchError("--fanout-copiers must be positive and --fanout-members a list of counts of at least 1")
        }
        let fsync = options.fsync == "on"
        progress("postgres: starting a throwaway PostgreSQL server (fsync \(options.fsync))")
        let server = try await PostgresServer.start(fsync: fsync)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ct-pgbench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let version = try await serverVersion(server)
            try await throughput(server, root: root, fsync: fsync, version: version)
            if options.failoverRuns > 0 { try await failover(server, root: root, fsync: fsync) }
            if options.fanoutRuns > 0, options.shards > 1 {
                try await ShardedFanOutBench(options: options, json: json, binary: try copytraded(), logger: quiet).run(server, root: root)
            }
        } catch {
            await server.stop()
            try? FileManager.default.removeItem(at: root)
            throw error
        }
        await server.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func serverVersion(_ server: PostgresServer) async throws -> String {
        let c = try await PostgresConnection.connect(configuration: server.connectionConfiguration(database: "postgres"), id: 1, logger: quiet)
        // What the server runs with, as it reports it (not as asked for).
        var parts: [String] = []
        do {
            for setting in ["server_version", "fsync", "full_page_writes", "synchronous_commit"] {
                for try await (v) in try await c.query("SHOW \(unescaped: setting)", logger: quiet).decode(String.self) {
                    parts.append(setting == "server_version" ? v : "\(setting) \(v)")
                }
            }
        } catch {
            try? await c.close()
            throw error
        }
        try? await c.close()
        return parts.joined(separator: ", ")
    }

    // MARK: - (a) the journal alone and (b) deposits through the sequencer

    func throughput(_ server: PostgresServer, root: URL, fsync: Bool, version: String) async throws {
        let report = Report("postgres (a, b): journaled inputs, PostgreSQL \(version), Unix socket vs SQLite (WAL, synchronous=FULL)",
                            columns: ["what", "journal", "inputs", "in flight", "inputs/s", "p50 ms", "p99 ms", "transactions"], json: json)
        func add(_ key: String, _ what: String, _ journal: String, _ count: Int, _ inflight: Int, _ s: Double, _ lat: [Double],
                 transactions: UInt64?) {
            let sorted = lat.sorted()
            var o = JSONObject()
            o.set("bench", .string("postgres.throughput"))
            o.set("case", .string(key))
            o.set("journal", .string(journal))
            o.set("inputs", .int(Int64(count)))
            o.set("in_flight", .int(Int64(inflight)))
            o.set("inputs_per_sec", .double(Double(count) / s))
            o.set("p50_ms", sorted.isEmpty ? .null : .double(percentile(sorted, 50) / 1000))
            o.set("p99_ms", sorted.isEmpty ? .null : .double(percentile(sorted, 99) / 1000))
            o.set("transactions", transactions.map { .int(Int64($0)) } ?? .null)
            o.set("postgres_fsync", .bool(fsync))
            report.add([what, journal, fmt(Double(count)), fmt(Double(inflight)), fmt(Double(count) / s),
                        sorted.isEmpty ? "" : fmt(percentile(sorted, 50) / 1000, 2),
                        sorted.isEmpty ? "" : fmt(percentile(sorted, 99) / 1000, 2),
                        transactions.map { fmt(Double($0)) } ?? ""], json: o)
        }
        let n = options.entries, c = options.concurrency, deposits = options.deposits

        // (a) append alone: JournalBenchmark's entries (~200 B, one per append) on each store.
        progress("postgres: PostgresJournalStore.append alone, \(n) entries, \(c) appenders")
        try await withStore(server, database: "bench_append") { store in
            let s = try await JournalBenchmark.appendConcurrently(to: store, entries: n, concurrency: c)
            add("append-postgres", "journal append alone (~\(JournalBenchmark.entryBytes) B entries)", "PostgreSQL", n, c, s, [],
                transactions: await store.transactionCount)
        }
        progress("postgres: SQLiteJournalStore.append alone (JournalBenchmark), \(n) entries, \(c) appenders")
        let raw = try await JournalBenchmark.run(path: root.appendingPathComponent("append.sqlite").path, entries: n, concurrency: c)
        add("append-sqlite", "journal append alone (~\(JournalBenchmark.entryBytes) B entries)", "SQLite", raw.entries, raw.concurrency,
            raw.seconds, [], transactions: raw.transactions)

        // (b) Sequencer.submit(deposit) over each store: 1,000 accounts, then one at a time, then concurrent.
        let coordinator = CoordinatorBench(options: try CoordinatorOptions.parse([]), json: json)
        let accounts = 1_000
        let single = min(500, deposits)
        func depositRows(_ sequencer: Sequencer, journal: String, transactions: @escaping () async -> UInt64) async throws {
            progress("postgres: deposits over \(journal): \(accounts) accounts, \(single) one at a time, \(deposits) with \(c) in flight")
            try await coordinator.submitAll(sequencer, count: accounts, concurrency: c) { i in
                (CoordinatorBench.createAccount("d-\(i)", trader: false), "create-\(i)")
            }
            var t0 = nowNanos()
            var lat = try await coordinator.submitAll(sequencer, count: single, concurrency: 1, recordLatency: true) { i in
                (CoordinatorBench.deposit("d-\(i % accounts)", 1), "seq-deposit-\(i)")
            }
            add("sequencer-1-\(journal.lowercased())", "Sequencer.submit(deposit), 1 in flight", journal, single, 1, seconds(since: t0), lat,
                transactions: nil)
            let before = await transactions()
            t0 = nowNanos()
            lat = try await coordinator.submitAll(sequencer, count: deposits, concurrency: c, recordLatency: true) { i in
                (CoordinatorBench.deposit("d-\(i % accounts)", 1), "deposit-\(i)")
            }
            let s = seconds(since: t0)
            add("sequencer-n-\(journal.lowercased())", "Sequencer.submit(deposit), concurrent", journal, deposits, c, s, lat,
                transactions: await transactions() - before)
        }
        try await withStore(server, database: "bench_deposits") { store in
            var config = EngineConfig()
            config.reorderWindowMs = 0
            let sequencer = try await Sequencer(engine: Engine(modules: .inProcess(), config: config), store: store, logger: quiet)
            do {
                try await depositRows(sequencer, journal: "PostgreSQL") { await store.transactionCount }
            } catch {
                await coordinator.stop(sequencer, store: store)
                throw error
            }
            await coordinator.stop(sequencer, store: store)
        }
        let (sequencer, store) = try await coordinator.openSequencer(root.appendingPathComponent("deposits-sqlite"))
        do {
            try await depositRows(sequencer, journal: "SQLite") { await store.transactionCount }
        } catch {
            await coordinator.stop(sequencer, store: store)
            throw error
        }
        await coordinator.stop(sequencer, store: store)
        report.note("PostgreSQL: fsync \(fsync ? "on, full_page_writes on (normal durability)" : "off, full_page_writes off (the tests' setting)"); the store holds shard 0's lease (ShardLease) and appends under its epoch, as a member does.")
        report.note("'transactions': commits the appends took (group commit); for the sequencer rows, during the concurrent deposits only.")
        report.finish()
    }

    /// Runs `body` with a PostgresJournalStore on a new database, holding shard 0's lease;
    /// the store, the lease and the client are closed afterwards, also on errors.
    func withStore(_ server: PostgresServer, database prefix: String,
                   _ body: (PostgresJournalStore) async throws -> Void) async throws {
        let database = try await server.createDatabase(prefix)
        try await server.withClient(database: database) { client in
            guard let lease = try await ShardLease.acquire(shard: 0, holder: "copytrade-bench",
                                                           configuration: server.connectionConfiguration(database: database), logger: quiet)
            else { throw BenchError("shard 0 of \(database) is held by someone else") }
            do {
                let store = try await PostgresJournalStore(client: client, shard: 0, epoch: lease.epoch, logger: quiet)
                do {
                    try await body(store)
                } catch {
                    try? await store.close()
                    throw error
                }
                try? await store.close()
            } catch {
                await lease.release()
                throw error
            }
            await lease.release()
        }
    }

    // MARK: - (c) failover

    /// The copytraded next to the bench (or `--copytraded-bin`), checked.
    func copytraded() throws -> String {
        let binary = options.copytradedBin ?? TTRPCBench.sibling("copytraded")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no copytraded at \(binary): build it in release next to copytrade-bench (make bench does)")
        }
        return binary
    }

    /// A cluster to fail over: `holders` members of `--max-shards maxShards` hold every shard,
    /// then one standby (same options) starts and holds none.
    struct FailoverLayout {
        let shards: Int
        let holders: Int
        let maxShards: Int?

        var label: String {
            shards == 1 ? "1 shard, holder + standby" : "\(shards) shards, \(holders) holders of \(maxShards ?? shards) + standby"
        }
    }

    /// One shard (issue 11's first figure), and the `--pg-shards` cluster split over two holders.
    var failoverLayouts: [FailoverLayout] {
        [FailoverLayout(shards: 1, holders: 1, maxShards: nil)]
            + (options.shards > 1 ? [FailoverLayout(shards: options.shards, holders: 2, maxShards: (options.shards + 1) / 2)] : [])
    }

    func failover(_ server: PostgresServer, root: URL, fsync: Bool) async throws {
        let report = Report("postgres (c): failover, SIGKILL of a shard's holder → the standby serving (copytraded --postgres members)",
                            columns: ["cluster", "run", "status answered ms", "deposit acknowledged ms", "lastSequence after"],
                            json: json)
        let binary = try copytraded()
        for layout in failoverLayouts {
            var statusMs: [Double] = [], depositMs: [Double] = []
            for run in 1...options.failoverRuns {
                progress("postgres: failover (\(layout.label)) run \(run) of \(options.failoverRuns)")
                let r = try await failoverRun(server, layout, binary: binary,
                                              root: root.appendingPathComponent("failover-\(layout.shards)-\(run)"))
                statusMs.append(r.statusMs)
                depositMs.append(r.depositMs)
                var o = JSONObject()
                o.set("bench", .string("postgres.failover"))
                o.set("shards", .int(Int64(layout.shards)))
                o.set("members", .int(Int64(layout.holders + 1)))
                o.set("run", .int(Int64(run)))
                o.set("status_ms", .double(r.statusMs))
                o.set("deposit_ms", .double(r.depositMs))
                o.set("last_sequence", .int(Int64(r.lastSequence)))
                o.set("postgres_fsync", .bool(fsync))
                report.add([layout.label, "\(run)", fmt(r.statusMs, 0), fmt(r.depositMs, 0), "\(r.lastSequence)"], json: o)
            }
            let medianStatus = statusMs.sorted()[statusMs.count / 2], medianDeposit = depositMs.sorted()[depositMs.count / 2]
            var o = JSONObject()
            o.set("bench", .string("postgres.failover"))
            o.set("shards", .int(Int64(layout.shards)))
            o.set("members", .int(Int64(layout.holders + 1)))
            o.set("run", .string("median"))
            o.set("runs", .int(Int64(statusMs.count)))
            o.set("status_ms", .double(medianStatus))
            o.set("deposit_ms", .double(medianDeposit))
            o.set("target_ms", .int(2_000))
            o.set("target_met", .bool(medianDeposit < 2_000))
            report.add([layout.label, "median of \(statusMs.count)", fmt(medianStatus, 0), fmt(medianDeposit, 0), ""], json: o)
        }
        report.note("Timed from kill(SIGKILL) of the holder of shard 0: a Status call through the standby's socket polled every 10 ms (each try a new connection), then a new keyed deposit, into an account on one of the killed member's shards, through the same socket until acknowledged. Standby lease retry 200 ms (the default).")
        if options.shards > 1 {
            report.note("\(options.shards) shards: the killed holder held half of them; the standby takes them all (its --max-shards is the same). Status fans out to every shard, so it answers only once the standby serves each of them.")
        }
        report.note("Aim (issue 11): failover under 2 s; the 'deposit acknowledged' median is the figure to compare.")
        report.finish()
    }

    struct FailoverResult {
        var statusMs: Double
        var depositMs: Double
        var lastSequence: UInt64
    }

    /// One run on a database of its own: the layout's members, the holder of shard 0
    /// SIGKILLed, the standby timed.
    func failoverRun(_ server: PostgresServer, _ layout: FailoverLayout, binary: String, root: URL) async throws -> FailoverResult {
        let cluster = try await BenchCluster.start(server, binary: binary, root: root, shards: layout.shards, holders: layout.holders,
                                                   maxShards: layout.maxShards, standbys: 1, logger: quiet)
        // Whatever happens, nothing keeps running.
        defer { cluster.killAll() }
        let held = try await cluster.waitUntilHeld(within: .seconds(30))
        guard let holder = cluster.member(holding: held[0] ?? ""), let standby = cluster.members.last, standby.socket != holder.socket else {
            throw BenchError("shard 0's holder \(held[0] ?? "") is none of the members, or the standby holds it")
        }
        // An account on one of the holder's shards, so the deposit after the kill needs them.
        let holderShards = Set(held.filter { $0.value.contains(":\(holder.process.pid):") }.keys)
        let account = (1...).lazy.map { "U\($0)" }.first { holderShards.contains(ShardLayout.shard(of: $0, count: layout.shards)) }!
        // A few inputs, through both members (the standby forwards).
        _ = try await standby.call("CreateAccount", {
            var r = Copytrade_V1_CreateAccountRequest()
            r.key = "create-\(account)"
            r.accountID = account
            r.role = .copier
            return r
        }(), Copytrade_V1_InputResult.self, logger: quiet)
        for i in 0..<5 {
            _ = try await (i % 2 == 0 ? standby : holder).call("Deposit", Self.deposit("dep-\(i)", account), Copytrade_V1_InputResult.self,
                                                               logger: quiet)
        }
        let before = try await standby.call("Status", Copytrade_V1_StatusRequest(), Copytrade_V1_StatusResponse.self, logger: quiet)

        let t0 = nowNanos()
        holder.process.signal(SIGKILL)
        let statusAt: Double
        while true {
            if (try? await standby.call("Status", Copytrade_V1_StatusRequest(), Copytrade_V1_StatusResponse.self,
                                        timeout: .seconds(2), logger: quiet)) != nil {
                statusAt = Double(nowNanos() - t0) / 1e6
                break
            }
            guard standby.process.isRunning else { throw BenchError("the standby exited during the failover: \(standby.log)") }
            guard Double(nowNanos() - t0) / 1e9 < 60 else { throw BenchError("the standby did not answer Status within 60 s: \(standby.log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        var lastError = ""
        let depositAt: Double
        while true {
            do {
                _ = try await standby.call("Deposit", Self.deposit("dep-after", account), Copytrade_V1_InputResult.self, timeout: .seconds(5),
                                           logger: quiet)
                depositAt = Double(nowNanos() - t0) / 1e6
                break
            } catch {
                lastError = "\(error)"
            }
            guard Double(nowNanos() - t0) / 1e9 < 60 else { throw BenchError("no deposit acknowledged within 60 s: \(lastError)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        // The cluster's journals (summed over the shards): the 6 entries before and the deposit after, nothing lost or doubled.
        let status = try await standby.call("Status", Copytrade_V1_StatusRequest(), Copytrade_V1_StatusResponse.self, logger: quiet)
        guard before.lastSequence == 6, status.lastSequence == 7 else {
            throw BenchError("lastSequence \(before.lastSequence) before the failover and \(status.lastSequence) after, expected 6 and 7 (account, 5 deposits, 1 after)")
        }
        _ = await holder.process.wait(within: .seconds(10))
        await cluster.stop()
        try? FileManager.default.removeItem(at: root)
        return FailoverResult(statusMs: statusAt, depositMs: depositAt, lastSequence: status.lastSequence)
    }

    static func deposit(_ key: String, _ account: String) -> Copytrade_V1_TransferRequest {
        var r = Copytrade_V1_TransferRequest()
        r.key = key
        r.accountID = account
        r.amountE8 = 3 * Decimal8.unitsPerOne / 2
        return r
    }

    /// One `copytraded --postgres` process on a data directory of its own.
    struct Member {
        let process: Spawned
        let socket: String
        let logPath: String

        static func start(_ binary: String, dir: String, url: String, arguments: [String] = []) throws -> Member {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let socket = dir + "/s.sock", log = dir + "/daemon.log"
            let p = try Spawned(binary, ["--data", dir, "--socket", socket, "--postgres", url] + arguments,
                                stdout: .file(log, append: true), stderr: .file(log, append: true))
            return Member(process: p, socket: socket, logPath: log)
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func waitUntilAnswering(within limit: Duration, logger: Logger) async throws {
            let deadline = ContinuousClock.now.advanced(by: limit)
            while true {
                if (try? await call("Status", Copytrade_V1_StatusRequest(), Copytrade_V1_StatusResponse.self,
                                    timeout: .seconds(2), logger: logger)) != nil { return }
                guard process.isRunning, ContinuousClock.now < deadline else {
                    throw BenchError("copytraded did not answer on \(socket) (exit \(process.exitStatus.map(String.init) ?? "none")): \(log)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// Until the member has joined the cluster (it answers `Shards`, read from PostgreSQL),
        /// whether or not every shard is held yet.
        func waitUntilJoined(within limit: Duration, logger: Logger) async throws {
            let deadline = ContinuousClock.now.advanced(by: limit)
            while true {
                if (try? await call("Shards", Copytrade_V1_ShardsRequest(), Copytrade_V1_ShardsResponse.self,
                                    timeout: .seconds(2), logger: logger)) != nil { return }
                guard process.isRunning, ContinuousClock.now < deadline else {
                    throw BenchError("copytraded did not join the cluster on \(socket) (exit \(process.exitStatus.map(String.init) ?? "none")): \(log)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// One control call on a new connection, as copyctl makes it.
        func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
            _ method: String, _ request: Request, _ type: Response.Type, timeout: Duration = .seconds(30), logger: Logger
        ) async throws -> Response {
            let client = try await TTRPCClient.connect(to: .unix(path: socket), logger: logger, connectTimeout: .seconds(2))
            do {
                let r = try await client.call(service: "copytrade.v1.Control", method: method, request: request,
                                              responseType: Response.self, timeout: timeout)
                await client.close()
                return r
            } catch {
                await client.close()
                throw error
            }
        }
    }
}
