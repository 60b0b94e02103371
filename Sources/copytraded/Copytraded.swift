import ArgumentParser
import Coordinator
import CoreMetrics
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import TTRPC

/// The coordinator daemon: the single writer of all state, serving the control API on a Unix
/// socket. SIGTERM/SIGINT drain in-flight calls, finish the journal and exit 0.
@main
struct Copytraded: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copytraded", abstract: "The CopyTrade coordinator.")

    @Option(help: "Data directory (journal and snapshots).") var data = "./.copytrade"
    @Option(help: "Control socket path (default: DATA/copytrade.sock).") var socket: String?
    @Option(help: "Configuration file (YAML): engine settings and module routes; see README.") var config: String?
    @Option(help: "Margin model preset: bingx (default), binance, okx, bybit, hyperliquid.") var preset: String?
    @Option(name: .customLong("reorder-window-ms"), help: "Margin-sync reorder window in milliseconds (default 500).") var reorderWindowMs: Int64?
    @Option(name: .customLong("max-signal-delay-ms"), help: "Margin-sync signals older than this are dropped (default 60000).") var maxSignalDelayMs: Int64?
    @Option(help: "Market file (JSON) replacing the built-in markets.") var market: String?
    @Option(name: .customLong("settlement-schedule"), help: "Profit-share settlements: weekly:DAY@HH:MM (default weekly:mon@00:00, UTC), daily@HH:MM, or off.")
    var settlementSchedule: String?
    @Option(name: .customLong("watch-buffer-events"), help: "Events that may wait for one slow watch client before its stream ends (default 10000).")
    var watchBufferEvents: Int?
    @Option(name: .customLong("key-retention-hours"), help: "Idempotency keys kept in memory this long (default 168, 7 days); older ones are looked up in the journal.")
    var keyRetentionHours: Int64?
    @Option(name: .customLong("snapshot-every-seconds"), help: "Snapshot at least this often while inputs arrive (default 600), besides every 100,000 inputs or 64 MiB of outcomes.")
    var snapshotEverySeconds: Int64?
    @Option(name: .customLong("max-queued-inputs"), help: "Client inputs that may wait for the sequencer; past it RESOURCE_EXHAUSTED at once (default 10000).")
    var maxQueuedInputs: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(name: .customLong("log-format"), help: "text (default) or json: one JSON object per line.") var logFormat = "text"
    @Option(name: .customLong("metrics-listen"), help: "Serve GET /metrics (Prometheus text format) on HOST:PORT; off by default.")
    var metricsListen: String?
    @Option(help: "Run as a member of a PostgreSQL cluster: postgres://USER@/DB?host=/socket/dir or postgresql://USER:PW@HOST:PORT/DB (docs/decisions.md, \"PostgreSQL\").")
    var postgres: String?
    @Option(help: "With --postgres: the cluster's shard count, fixed when it is created (default 1; docs/sharding.md).")
    var shards: Int?
    @Option(name: .customLong("max-shards"), help: "With --postgres: hold at most this many shards (default: all it can take); members beyond the shards stand by.")
    var maxShards: Int?
    @Option(name: .customLong("member-address"), help: "With --postgres: the control address other members forward to, unix:PATH or tcp:HOST:PORT (default: unix: and the socket).")
    var memberAddress: String?
    @Option(name: .customLong("control-listen"), help: "Also serve the control API on TCP HOST:PORT (needed by members on other hosts); no authentication: a private network only.")
    var controlListen: String?
    @Option(name: .customLong("control-token-file"), help: "With --control-listen: the token every TCP control call must carry (authorization: Bearer), shared by the cluster's members.")
    var controlTokenFile: String?

    /// A mistyped option is refused (exit 64, naming it), never silently replaced by a default.
    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: \"\(logLevel)\" is not a level; use trace, debug, info, notice, warning, error or critical")
        }
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format: \"\(logFormat)\" is not a format; use text or json")
        }
        if let metricsListen, ListenAddress(parsing: metricsListen) == nil {
            throw ValidationError("--metrics-listen: \"\(metricsListen)\" is not an address; \(ListenAddress.rule)")
        }
        if let controlListen, ListenAddress(parsing: controlListen) == nil {
            throw ValidationError("--control-listen: \"\(controlListen)\" is not an address; \(ListenAddress.rule)")
        }
        if controlListen != nil, controlTokenFile == nil {
            throw ValidationError("--control-listen: needs --control-token-file (the control API moves money; TCP has no peer credentials)")
        }
        if let controlTokenFile {
            do { _ = try TTRPCToken.load(fromFile: controlTokenFile) } catch { throw ValidationError("--control-token-file: \(error.message)") }
        }
        if postgres == nil {
            for (name, given) in [("--shards", shards != nil), ("--max-shards", maxShards != nil), ("--member-address", memberAddress != nil)] where given {
                throw ValidationError("\(name) needs --postgres (without it the coordinator is one process on SQLite)")
            }
        }
        if let postgres {
            do { _ = try PostgresURL(parsing: postgres) } catch { throw ValidationError(error.message) }
        }
        if let shards {
            guard (1...1024).contains(shards) else { throw ValidationError("--shards: must be between 1 and 1024, got \(shards)") }
        }
        if let maxShards {
            guard maxShards >= 1 else { throw ValidationError("--max-shards: must be at least 1, got \(maxShards)") }
        }
        if let memberAddress {
            do { _ = try TTRPCAddress(parsing: memberAddress) } catch {
                throw ValidationError("--member-address: \(error.rule) (got \"\(memberAddress)\"; use unix:/PATH or tcp:HOST:PORT)")
            }
        }
        for (name, value, limit) in [("--key-retention-hours", keyRetentionHours, Int64(24 * 3_650)),
                                     ("--snapshot-every-seconds", snapshotEverySeconds, Int64(86_400 * 365)),
                                     ("--max-queued-inputs", maxQueuedInputs.map(Int64.init), Int64(10_000_000))] {
            if let value, !(1...limit).contains(value) {
                throw ValidationError("\(name): must be between 1 and \(limit), got \(value)")
            }
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LogFormat(rawValue: logFormat)?.bootstrap(level: level)
        let logger = Logger(label: "copytraded")
        var options = DaemonOptions(dataDirectory: data)
        options.socketPath = socket ?? (data as NSString).appendingPathComponent("copytrade.sock")
        if let config {
            do {
                let file = try RoutingFile.load(path: config)
                options.config = file.engine
                options.routes = file.routes
            } catch {
                logger.critical("refusing to start: \(error)")
                throw ExitCode(78)
            }
        }
        if let preset { options.config.preset = preset }
        if let reorderWindowMs { options.config.reorderWindowMs = reorderWindowMs }
        if let maxSignalDelayMs { options.config.maxSignalDelayMs = maxSignalDelayMs }
        if let settlementSchedule {
            do {
                options.config.settlementSchedule = try SettlementSchedule(parsing: settlementSchedule, field: "--settlement-schedule")
            } catch {
                logger.critical("refusing to start: \(error)")
                throw ExitCode(78)
            }
        }
        options.marketFile = market
        if let keyRetentionHours { options.policy.keyRetentionMs = keyRetentionHours * 3_600_000 }
        if let snapshotEverySeconds { options.policy.snapshotEveryMs = snapshotEverySeconds * 1_000 }
        if let maxQueuedInputs { options.policy.maxQueuedInputs = maxQueuedInputs }
        if let watchBufferEvents {
            guard watchBufferEvents > 0 else {
                logger.critical("refusing to start: --watch-buffer-events must be positive, got \(watchBufferEvents)")
                throw ExitCode(64)
            }
            options.watchBufferEvents = watchBufferEvents
        }
        var services: [any Service] = []
        if let metricsListen, let address = ListenAddress(parsing: metricsListen) {
            // Only the executable picks the backend (docs/metrics.md): Prometheus, process-wide,
            // so the coordinator's metrics and any library's land in one exposition.
            let (factory, registry) = Self.prometheus()
            MetricsSystem.bootstrap(factory)
            let metrics = CoordinatorMetrics(factory: factory)
            options.metrics = metrics
            do {
                let endpoint = try await MetricsEndpoint.bind(address, scrape: {
                    metrics.refresh(nowMs: SystemClock().nowMs())
                    return registry.emitToBuffer()
                }, logger: logger)
                logger.info("serving metrics", metadata: ["address": "http://\(address)/metrics"])
                services.append(endpoint)
            } catch {
                logger.critical("refusing to start: --metrics-listen \(address): \(error)")
                throw ExitCode(70)
            }
        }
        if let controlTokenFile { options.controlToken = try? TTRPCToken.load(fromFile: controlTokenFile) }
        if let controlListen, let address = ListenAddress(parsing: controlListen) {
            options.controlListen = .tcp(host: address.host, port: address.port)
        }
        if let postgres {
            try await runMember(postgres, options: options, first: services, logger: logger)
            return
        }
        let daemon: Daemon
        do {
            daemon = try await Daemon.start(options, logger: logger)
        } catch {
            logger.critical("refusing to start: \(error)")
            throw ExitCode(70)
        }
        // The metrics endpoint first: a group stops its services in reverse order, so it still
        // answers while the daemon drains (the order: CoordinatorServices).
        let group = CoordinatorServices.group(daemon, first: services, logger: logger)
        try await group.run()
        logger.info("stopped cleanly")
    }
}

extension Copytraded {
    /// `--postgres`: a member of a cluster (docs/sharding.md). Exits 64 for a bad URL, 78 for a
    /// shard count the cluster was not created with, 0 after SIGTERM. While PostgreSQL cannot
    /// be reached (at start or later) it keeps running, NOT_SERVING, and retries.
    func runMember(_ postgres: String, options: DaemonOptions, first: [any Service], logger: Logger) async throws {
        do {
            let url = try PostgresURL(parsing: postgres)
            let socket = options.socketPath.hasPrefix("/")
                ? options.socketPath : FileManager.default.currentDirectoryPath + "/" + options.socketPath
            let id = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            var cluster = ClusterOptions(url: url, memberAddress: memberAddress ?? "unix:\(socket)", memberID: id)
            cluster.shards = shards ?? 1
            cluster.maxShards = maxShards
            logger.info("joining the cluster", metadata: ["postgres": "\(url.description)", "member": "\(id)",
                                                          "address": "\(cluster.memberAddress)"])
            try await ClusterMember.run(options, cluster: cluster, first: first, logger: logger)
            logger.info("stopped cleanly")
        } catch let error as ClusterError {
            if error.code == .leaseLost {
                logger.error("exiting after stepping down: \(error.message)")
            } else {
                logger.critical("refusing to start: \(error.message)")
            }
            throw ExitCode(error.exitStatus)
        } catch {
            logger.critical("refusing to start: \(error)")
            throw ExitCode(70)
        }
    }

    /// The Prometheus backend, with buckets sized for what is timed here: decisions take tens
    /// of microseconds to milliseconds, a journal commit milliseconds; a batch holds 1 to
    /// thousands of inputs (group commit).
    static func prometheus() -> (PrometheusMetricsFactory, PrometheusCollectorRegistry) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets[MetricName.journalBatchSize] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000]
        return (factory, registry)
    }
}

/// `--log-format`: how log lines are written to stderr.
enum LogFormat: String {
    case text, json

    /// Makes this format, at `level`, the process's logging backend.
    func bootstrap(level: Logger.Level) {
        switch self {
        case .text:
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            }
        case .json:
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        }
    }
}
