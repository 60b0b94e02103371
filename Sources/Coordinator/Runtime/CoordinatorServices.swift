import Journal
import Logging
import ServiceLifecycle
import UnixSignals
import TTRPC

/// Every long-running part of a coordinator as a lifecycle `Service`, in the one group that
/// runs them (docs/decisions.md, "Services"). `copytraded`, `copyctl simulate` and
/// `copytrade-bench` all build their group here.
///
/// Services start in the order of the array and stop in reverse, each finishing before the
/// next is asked, so the shutdown order is this file's:
/// 1. the control server stops accepting, drains every accepted call (each answered whole) and
///    ends the watch streams;
/// 2. the sequencer finishes the inputs it has, flushes the journal and writes a snapshot;
/// 3. the plugin supervisor asks each launched plugin to shut down, then stops it;
/// 4. the journal store closes;
/// 5. whatever the executable added first (the metrics endpoint) stops last.
public enum CoordinatorServices {
    /// The daemon's group. `first` are started before everything else and stopped last.
    public static func group(_ daemon: Daemon, first: [any Service] = [], logger: Logger,
                             signals: [UnixSignal] = [.sigterm, .sigint]) -> ServiceGroup {
        let services: [any Service] = first + [
            JournalService(store: daemon.store),
            PluginSupervisorService(host: daemon.host),
            SequencerService(sequencer: daemon.sequencer),
            ControlServerService(servers: daemon.servers, endWatches: { await daemon.sequencer.endWatches() }),
        ]
        return ServiceGroup(services: services, gracefulShutdownSignals: signals, cancellationSignals: [], logger: logger)
    }

    /// An in-process coordinator with no socket (`copyctl simulate`, `copytrade-bench`): the
    /// sequencer over its journal, with the plugin host when modules are routed. Same order.
    public static func group(sequencer: Sequencer, host: PluginHost? = nil, store: any JournalStore,
                             logger: Logger) -> ServiceGroup {
        var services: [any Service] = [JournalService(store: store)]
        if let host { services.append(PluginSupervisorService(host: host)) }
        services.append(SequencerService(sequencer: sequencer))
        return ServiceGroup(services: services, gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
    }

    /// Runs `body` while the in-process group runs, then shuts the group down in order (also
    /// when `body` throws) and returns what `body` returned.
    public static func running<T: Sendable>(sequencer: Sequencer, host: PluginHost? = nil, store: any JournalStore,
                                            logger: Logger, _ body: @Sendable () async throws -> T) async throws -> T {
        let group = group(sequencer: sequencer, host: host, store: store, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}

/// Waits for graceful shutdown, then runs `stop`. A service that only needs to be stopped in
/// its turn (its work runs elsewhere) is this.
func untilShutdown(_ stop: () async throws -> Void) async throws {
    do { try await gracefulShutdown() } catch is CancellationError {}
    try await stop()
}

/// The sequencer: on shutdown it finishes the inputs it holds, flushes the journal and
/// writes a snapshot so the next start is quick.
struct SequencerService: Service {
    let sequencer: Sequencer
    func run() async throws { try await untilShutdown { await sequencer.shutdown() } }
}

/// The journal store, closed once the sequencer has flushed it.
struct JournalService: Service {
    let store: any JournalStore
    func run() async throws { try await untilShutdown { try await store.close() } }
}

/// Launched plugins and module connections: Shutdown, wait, then kill (ARCHITECTURE's plugin rules).
struct PluginSupervisorService: Service {
    let host: PluginHost
    func run() async throws { try await untilShutdown { await host.shutdown() } }
}

/// The control socket: serves until shutdown, then stops accepting, drains accepted calls and
/// ends watch streams (a watch lasts until its stream ends, so draining would wait forever).
struct ControlServerService: Service {
    /// The Unix socket's server, and the TCP one of `--control-listen` when asked for.
    let servers: [TTRPCServer]
    /// Ends the open watch streams (of one sequencer, or of every shard a member holds).
    let endWatches: @Sendable () async -> Void
    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for server in servers { group.addTask { try await server.run() } }
            try await untilShutdown {
                await endWatches()
                for server in servers { await server.shutdown() }
            }
        }
    }
}
