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
    let server: TTRPCServer
    let store: SQLiteJournalStore
    let logger: Logger
    public let options: DaemonOptions

    init(sequencer: Sequencer, host: PluginHost, server: TTRPCServer, store: SQLiteJournalStore, options: DaemonOptions, logger: Logger) {
        self.sequencer = sequencer
        self.host = host
        self.server = server
        self.store = store
        self.options = options
        self.logger = logger
    }

    /// Opens the data directory, recovers state and binds the control socket.
    public static func start(_ options: DaemonOptions, logger: Logger) async throws -> Daemon {
        // 0700 even when it already existed: the journal in it holds every balance.
        try OwnerOnlyFiles.prepareDirectory(options.dataDirectory)
        let market = try options.marketFile.map { try Market(contentsOf: URL(fileURLWithPath: $0)) } ?? Market.builtIn
        let store = try SQLiteJournalStore(path: (options.dataDirectory as NSString).appendingPathComponent("journal.sqlite"))
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
        let sequencer = try await Sequencer(engine: engine, store: store, logger: logger, metrics: metrics, policy: options.policy)
        let started = await sequencer.started
        let dataDir = options.dataDirectory
        let modules = ModuleControl(host: host, sequencer: sequencer)
        let control = ServiceDefinition.control(sequencer, modules: modules, watchBufferEvents: options.watchBufferEvents) {
            await DaemonStatus.make(sequencer, host: host, startedMs: started, dataDirectory: dataDir)
        }
        // Health turns NOT_SERVING when the journal fails (docs/decisions.md, "Coordinator").
        let health = ServiceDefinition.health(servingNames: [ServiceDefinition.controlName]) { await sequencer.isServing }
        var serverConfiguration = TTRPCServerConfiguration()
        serverConfiguration.onInternalError = { service, method in metrics.countInternalAnswer(service: service, method: method) }
        let server = TTRPCServer(address: .unix(path: options.socketPath), services: [control, health],
                                 configuration: serverConfiguration, logger: logger)
        _ = try await server.bind()
        logger.info("listening", metadata: ["socket": "\(options.socketPath)", "data": "\(options.dataDirectory)"])
        return Daemon(sequencer: sequencer, host: host, server: server, store: store, options: options, logger: logger)
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
        r.dataDir = dataDirectory
        r.modules = await host.routes()
        return r
    }
}
