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
}

struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "PostgreSQL journal vs SQLite (appends, journaled deposits) and failover of two copytraded --postgres members.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var options: PostgresOptions

    func run() async throws {
        Machine.current().print(json: common.json, command: common.commandLine)
        try await PostgresBench(options: options, json: common.json).run()
    }
}

/// Issue 11's figures: journaled inputs/s on PostgreSQL next to SQLite, and the failover time
/// from SIGKILLing the shard's holder to the standby serving. The PostgreSQL server is a
/// throwaway cluster of the bench's own (TestSupport's `PostgresServer`, the tests' one), with
/// fsync on unless `--pg-fsync off`; it is stopped and removed at the end, and at exit.
struct PostgresBench {
    let options: PostgresOptions
    let json: Bool
    let quiet = Logger(label: "bench.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    func run() async throws {
        guard ["on", "off"].contains(options.fsync) else { throw BenchError("--pg-fsync must be on or off, got \(options.fsync)") }
        let fsync = options.fsync == "on"
        progress("postgres: starting a throwaway PostgreSQL server (fsync \(options.fsync))")
        let server = try await PostgresServer.start(fsync: fsync)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ct-pgbench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let version = try await serverVersion(server)
            try await throughput(server, root: root, fsync: fsync, version: version)
            if options.failoverRuns > 0 { try await failover(server, root: root, fsync: fsync) }
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

    func failover(_ server: PostgresServer, root: URL, fsync: Bool) async throws {
        let report = Report("postgres (c): failover, SIGKILL of the shard's holder → the standby serving (two copytraded --postgres members)",
                            columns: ["run", "status answered ms", "deposit acknowledged ms", "lastSequence after"],
                            json: json)
        let binary = options.copytradedBin ?? TTRPCBench.sibling("copytraded")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no copytraded at \(binary): build it in release next to copytrade-bench (make bench does)")
        }
        var statusMs: [Double] = [], depositMs: [Double] = []
        for run in 1...options.failoverRuns {
            progress("postgres: failover run \(run) of \(options.failoverRuns)")
            let r = try await failoverRun(server, binary: binary, root: root.appendingPathComponent("failover-\(run)"))
            statusMs.append(r.statusMs)
            depositMs.append(r.depositMs)
            var o = JSONObject()
            o.set("bench", .string("postgres.failover"))
            o.set("run", .int(Int64(run)))
            o.set("status_ms", .double(r.statusMs))
            o.set("deposit_ms", .double(r.depositMs))
            o.set("last_sequence", .int(Int64(r.lastSequence)))
            o.set("postgres_fsync", .bool(fsync))
            report.add(["\(run)", fmt(r.statusMs, 0), fmt(r.depositMs, 0), "\(r.lastSequence)"], json: o)
        }
        let medianStatus = statusMs.sorted()[statusMs.count / 2], medianDeposit = depositMs.sorted()[depositMs.count / 2]
        var o = JSONObject()
        o.set("bench", .string("postgres.failover"))
        o.set("run", .string("median"))
        o.set("runs", .int(Int64(statusMs.count)))
        o.set("status_ms", .double(medianStatus))
        o.set("deposit_ms", .double(medianDeposit))
        o.set("target_ms", .int(2_000))
        o.set("target_met", .bool(medianDeposit < 2_000))
        report.add(["median of \(statusMs.count)", fmt(medianStatus, 0), fmt(medianDeposit, 0), ""], json: o)
        report.note("Timed from kill(SIGKILL) of the holder: a Status call through the standby's socket polled every 10 ms (each try a new connection), then a new keyed deposit through the same socket until acknowledged. Standby lease retry 200 ms (the default).")
        report.note("Aim (issue 11): failover under 2 s; the 'deposit acknowledged' median is the figure to compare.")
        report.finish()
    }

    struct FailoverResult {
        var statusMs: Double
        var depositMs: Double
        var lastSequence: UInt64
    }

    /// One run on a database of its own: two members, the holder SIGKILLed, the standby timed.
    func failoverRun(_ server: PostgresServer, binary: String, root: URL) async throws -> FailoverResult {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let database = try await server.createDatabase("bench_failover")
        let url = "postgres://\(server.user)@/\(database)?host=\(server.directory)&port=\(server.port)"
        var members: [Member] = []
        // Whatever happens, nothing keeps running.
        defer { for m in members { m.process.kill9() } }
        for name in ["a", "b"] {
            let member = try Member.start(binary, dir: root.appendingPathComponent(name).path, url: url)
            members.append(member)
            // The first one takes the lease; start the second only once the first answers.
            try await member.waitUntilAnswering(within: .seconds(30), logger: quiet)
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        var holderIndex: Int?
        while holderIndex == nil {
            holderIndex = members.firstIndex { $0.log.contains("holding shard 0") }
            if holderIndex == nil {
                guard ContinuousClock.now < deadline else { throw BenchError("no member holds shard 0 after 30 s") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let holder = members[holderIndex!], standby = members[1 - holderIndex!]
        // A few inputs, through both members (the standby forwards).
        _ = try await standby.call("CreateAccount", {
            var r = Copytrade_V1_CreateAccountRequest()
            r.key = "create-U1"
            r.accountID = "U1"
            r.role = .copier
            return r
        }(), Copytrade_V1_InputResult.self, logger: quiet)
        for i in 0..<5 {
            _ = try await (i % 2 == 0 ? standby : holder).call("Deposit", Self.deposit("dep-\(i)"), Copytrade_V1_InputResult.self, logger: quiet)
        }

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
                _ = try await standby.call("Deposit", Self.deposit("dep-after"), Copytrade_V1_InputResult.self, timeout: .seconds(5), logger: quiet)
                depositAt = Double(nowNanos() - t0) / 1e6
                break
            } catch {
                lastError = "\(error)"
            }
            guard Double(nowNanos() - t0) / 1e9 < 60 else { throw BenchError("no deposit acknowledged within 60 s: \(lastError)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        let status = try await standby.call("Status", Copytrade_V1_StatusRequest(), Copytrade_V1_StatusResponse.self, logger: quiet)
        guard status.lastSequence == 7 else {
            throw BenchError("after the failover lastSequence is \(status.lastSequence), expected 7 (account, 5 deposits, 1 after)")
        }
        _ = await holder.process.wait(within: .seconds(10))
        if await standby.process.stop(grace: .seconds(15)) != 0 { progress("postgres: the standby did not stop cleanly; log: \(standby.logPath)") }
        try? FileManager.default.removeItem(at: root)
        return FailoverResult(statusMs: statusAt, depositMs: depositAt, lastSequence: status.lastSequence)
    }

    static func deposit(_ key: String) -> Copytrade_V1_TransferRequest {
        var r = Copytrade_V1_TransferRequest()
        r.key = key
        r.accountID = "U1"
        r.amountE8 = 3 * Decimal8.unitsPerOne / 2
        return r
    }

    /// One `copytraded --postgres` process on a data directory of its own.
    struct Member {
        let process: Spawned
        let socket: String
        let logPath: String

        static func start(_ binary: String, dir: String, url: String) throws -> Member {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let socket = dir + "/s.sock", log = dir + "/daemon.log"
            let p = try Spawned(binary, ["--data", dir, "--socket", socket, "--postgres", url],
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
