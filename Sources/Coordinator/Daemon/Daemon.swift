import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging
import ModuleRuntime
import Pricing
import ServiceLifecycle
import TTRPC

/// How to run the daemon.
public struct DaemonOptions: Sendable {
    public var dataDirectory: String
    public var socketPath: String
    public var config = EngineConfig()
    public var marketFile: String?
    /// Snapshot cadence, idempotency-key retention and the input queue's bound.
    public var policy = SequencerPolicy()
    /// Where each module runs (default: all in process).
    public var routes: [ModuleName: ModuleRoute] = [:]
    /// Where the coordinator's metrics go (docs/metrics.md); nil: the process-wide
    /// `MetricsSystem.factory`, a no-op unless the executable bootstrapped a backend.
    public var metrics: CoordinatorMetrics?
    /// Events that may wait for one `watch` client before its stream is ended RESOURCE_EXHAUSTED
    /// with the sequence to resume from (docs/decisions.md, "Coordinator").
    public var watchBufferEvents = WatchCursor.defaultBufferLimit
    /// `--control-listen`: a TCP address served besides the Unix socket, with the same
    /// services (members on other hosts forward to it; docs/decisions.md, "PostgreSQL").
    public var controlListen: TTRPCAddress?
    /// The token every call on the TCP control listener must carry (`authorization: Bearer`):
    /// the control API moves money, and TCP has no peer credentials. The Unix socket keeps its
    /// owner-only mode and SO_PEERCRED check instead.
    public var controlToken: String?

    /// `base` for a control listener at `address`: TCP requires the control token.
    func controlConfiguration(_ base: TTRPCServerConfiguration, for address: TTRPCAddress) -> TTRPCServerConfiguration {
        var c = base
        if case .tcp = address { c.requiredToken = controlToken }
        return c
    }

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
        self.socketPath = (dataDirectory as NSString).appendingPathComponent("copytrade.sock")
    }
}

/// The coordinator process's parts, opened together: journal, plugin host, sequencer and the
/// bound control server. ``CoordinatorServices/group(_:first:logger:signals:)`` runs them as
/// services and stops them in order.
public final class Daemon: Sendable {
    public let sequencer: Sequencer
    public let host: PluginHost
    let servers: [TTRPCServer]
    let store: any JournalStore
    let logger: Logger
    public let options: DaemonOptions

    init(sequencer: Sequencer, host: PluginHost, servers: [TTRPCServer], store: any JournalStore, options: DaemonOptions, logger: Logger) {
        self.sequencer = sequencer
        self.host = host
        self.servers = servers
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// Opens the data directory, recovers state and binds the control socket.
    public static func start(_ options: DaemonOptions, logger: Logger) async throws -> Daemon {
        // 0700 even when it already existed: the journal in it holds every balance.
        try OwnerOnlyFiles.prepareDirectory(options.dataDirectory)
        let store = try SQLiteJournalStore(path: (options.dataDirectory as NSString).appendingPathComponent("journal.sqlite"))
        return try await start(options, store: store, logger: logger)
    }

    /// Recovers state from `store` (SQLite, or one shard's PostgreSQL store) and binds the
    /// control socket. `shards` answers `Shards` (nil: FAILED_PRECONDITION, one process on
    /// SQLite). The daemon closes `store` when it stops, or here when starting fails.
    public static func start(
        _ options: DaemonOptions, store: any JournalStore, logger: Logger,
        shards: (@Sendable () async throws -> Copytrade_V1_ShardsResponse)? = nil
    ) async throws -> Daemon {
        let market: Market
        do {
            market = try options.marketFile.map { try Market(contentsOf: URL(fileURLWithPath: $0)) } ?? Market.builtIn
        } catch {
            try? await store.close()
            throw error
        }
        let metrics = options.metrics ?? CoordinatorMetrics()
        let host = PluginHost(market: market, logger: logger, metrics: metrics)
        do {
            try await host.start(routes: options.routes)
        } catch {
            await host.shutdown()
            try? await store.close()
            throw error
        }
        let engine = Engine(modules: await host.moduleSet(), config: options.config, market: market)
        let sequencer: Sequencer
        do {
            sequencer = try await Sequencer(engine: engine, store: store, logger: logger, metrics: metrics, policy: options.policy)
        } catch {
            await host.shutdown()
            try? await store.close()
            throw error
        }
        let started = await sequencer.started
        let dataDir = options.dataDirectory
        let modules = ModuleControl(host: host, sequencer: sequencer)
        var control = ServiceDefinition.control(sequencer, modules: modules, watchBufferEvents: options.watchBufferEvents) {
            await DaemonStatus.make(sequencer, host: host, startedMs: started, dataDirectory: dataDir)
        }
        control.unary("Shards") { (_: Copytrade_V1_ShardsRequest, _) in
            guard let shards else {
                throw DomainError(.failedPrecondition, field: "shards",
                                  "this coordinator runs on SQLite, one process: shards exist with --postgres")
            }
            return try await shards()
        }
        // Health turns NOT_SERVING when the journal fails (docs/decisions.md, "Coordinator").
        let health = ServiceDefinition.health(servingNames: [ServiceDefinition.controlName]) { await sequencer.isServing }
        var serverConfiguration = TTRPCServerConfiguration()
        serverConfiguration.onInternalError = { service, method in metrics.countInternalAnswer(service: service, method: method) }
        let addresses = [TTRPCAddress.unix(path: options.socketPath)] + (options.controlListen.map { [$0] } ?? [])
        let servers = addresses.map {
            TTRPCServer(address: $0, services: [control, health], configuration: options.controlConfiguration(serverConfiguration, for: $0),
                        logger: logger)
        }
        do {
            for server in servers { _ = try await server.bind() }
        } catch {
            for server in servers { server.close() }
            await sequencer.shutdown()
            await host.shutdown()
            try? await store.close()
            throw error
        }
        logger.info("listening", metadata: ["socket": "\(options.socketPath)", "data": "\(options.dataDirectory)",
                                            "tcp": "\(options.controlListen.map(String.init(describing:)) ?? "-")"])
        return Daemon(sequencer: sequencer, host: host, servers: servers, store: store, options: options, logger: logger)
    }
}

/// The `Status` answer.
enum DaemonStatus {
    static func make(_ s: Sequencer, host: PluginHost, startedMs: Millis, dataDirectory: String) async -> Copytrade_V1_StatusResponse {
        let state = await s.snapshotOfState
        var r = Copytrade_V1_StatusResponse()
        r.version = ModuleInfo.version
        r.startedMs = startedMs
        r.lastSequence = await s.lastSequence
        r.accounts = UInt64(state.accounts.count)
        r.openPositions = UInt64(state.positions.count)
        r.pendingOrders = UInt64(state.orders.count)
        r.relations = UInt64(state.relations.count)
        r.heldSignals = UInt64(state.heldSignals.count)
        r.insuranceE8 = state.insurance.e8
        r.nextSettlementMs = await s.nextSettlementMs ?? 0
        r.dataDir = dataDirectory
        r.modules = await host.routes()
        return r
    }
}
