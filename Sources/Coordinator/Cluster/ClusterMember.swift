import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging
import PostgresJournal
import PostgresNIO
import Pricing
import ServiceLifecycle
import Synchronization
import TTRPC

/// How a member joins a PostgreSQL cluster (`copytraded --postgres`).
public struct ClusterOptions: Sendable {
    public var url: PostgresURL
    /// The shard count asked for: fixed by the first member, refused later if different.
    public var shards = 1
    /// At most this many shards held by this member (`--max-shards`); nil: as many as it can
    /// take. Members beyond the shards stand by.
    public var maxShards: Int?
    /// The ttrpc address other members forward control calls to (`unix:PATH` or `tcp:HOST:PORT`).
    public var memberAddress: String
    /// This member's name in `member.id` and `shard_lease.holder`: unique per process.
    public var memberID: String
    /// How often leases are tried and held ones checked (docs/decisions.md, "PostgreSQL").
    public var retryInterval: Duration = .milliseconds(200)
    /// How often a held lease's session is probed (a hung session is noticed in 3 of these).
    public var probeInterval: Duration = .milliseconds(500)

    public init(url: PostgresURL, memberAddress: String, memberID: String) {
        self.url = url
        self.memberAddress = memberAddress
        self.memberID = memberID
    }
}

/// One process of a PostgreSQL cluster (docs/sharding.md): it serves the full control API on
/// its socket from the start, takes the leases of as many shards as it may (`--max-shards`),
/// recovers each from PostgreSQL and serves it, and routes every other call to the shard's
/// holder. A shard whose lease is lost (its session ended, the epoch moved, an append was
/// fenced) is dropped at once, state and all, and taken again later only by recovering it
/// from PostgreSQL afresh; the member itself goes on. While PostgreSQL cannot be reached, at
/// start or later, Health is NOT_SERVING and calls are UNAVAILABLE with the reason; nothing
/// acknowledged is lost, because nothing is acknowledged before it is committed there.
public enum ClusterMember {
    /// Runs the member until SIGTERM/SIGINT. `first` (the metrics endpoint) start first and
    /// stop last.
    ///
    /// - Throws: `ClusterError` `.shardCount` for a count the cluster was not created with.
    public static func run(_ options: DaemonOptions, cluster: ClusterOptions, first: [any Service],
                           logger: Logger) async throws {
        // The control socket lives there by default; nothing else does in this mode.
        try OwnerOnlyFiles.prepareDirectory(options.dataDirectory)
        let market = try options.marketFile.map { try Market(contentsOf: URL(fileURLWithPath: $0)) } ?? Market.builtIn
        let metrics = options.metrics ?? CoordinatorMetrics()
        let plugins = PluginHost(market: market, logger: logger, metrics: metrics)
        do {
            try await plugins.start(routes: options.routes)
        } catch {
            await plugins.shutdown()
            throw error
        }
        let member = MemberRuntime(options: options, cluster: cluster, market: market, plugins: plugins,
                                   metrics: metrics, logger: logger)
        defer { member.stopClient() }
        try await member.run(first: first)
    }
}

/// The running member: its control servers, the shards it holds, and the keeper that takes
/// and checks their leases.
final class MemberRuntime: Sendable {
    let options: DaemonOptions
    let cluster: ClusterOptions
    /// The pool and what reads through it; replaced after an outage (``renewClient()``).
    private let pg: Mutex<PostgresHandles>
    var catalog: ClusterCatalog { pg.withLock { $0.catalog } }
    var box: ShardMessageBox { pg.withLock { $0.box } }
    let market: Market
    let plugins: PluginHost
    let metrics: CoordinatorMetrics
    let logger: Logger
    private let state = Mutex(State())

    struct State {
        var router: ShardRouter?
        var hosts: [Int: ShardHost] = [:]
        /// Why PostgreSQL cannot be used now; nil while it answers.
        var unreachable: String? = "not connected to PostgreSQL yet"
        var fatal: ClusterError?
        /// Shards this member stepped down from, not tried again before then: another member
        /// should take a shard its holder could not keep (docs/decisions.md, "PostgreSQL").
        var cooldown: [Int: ContinuousClock.Instant] = [:]
        /// Shards being stepped down from (``drop(_:_:)``), awaited at shutdown; each removes
        /// itself when it ends, so a member that steps down often does not collect them.
        var retiring: [UInt64: Task<Void, Never>] = [:]
        var retiringCount: UInt64 = 0
    }

    /// How long a member leaves a shard it stepped down from to the others.
    static let stepDownCooldown: Duration = .seconds(3)

    init(options: DaemonOptions, cluster: ClusterOptions, market: Market, plugins: PluginHost,
         metrics: CoordinatorMetrics, logger: Logger) {
        self.options = options
        self.cluster = cluster
        self.pg = Mutex(PostgresHandles(cluster, logger: logger))
        self.market = market
        self.plugins = plugins
        self.metrics = metrics
        self.logger = logger
    }

    /// Serving: PostgreSQL answers and every held shard's sequencer serves.
    func isServing() async -> Bool {
        let (unreachable, hosts) = state.withLock { ($0.unreachable, Array($0.hosts.values)) }
        guard unreachable == nil else { return false }
        for host in hosts where !(await host.sequencer.isServing) { return false }
        return true
    }

    func run(first: [any Service]) async throws {
        let control = memberControl()
        let health = ServiceDefinition.health(servingNames: [ServiceDefinition.controlName]) { [self] in await isServing() }
        var configuration = TTRPCServerConfiguration()
        configuration.onInternalError = { [metrics] service, method in metrics.countInternalAnswer(service: service, method: method) }
        let addresses = [TTRPCAddress.unix(path: options.socketPath)] + (options.controlListen.map { [$0] } ?? [])
        let servers = addresses.map {
            TTRPCServer(address: $0, services: [control, health], configuration: options.controlConfiguration(configuration, for: $0),
                        logger: logger)
        }
        do {
            for server in servers { _ = try await server.bind() }
        } catch {
            for server in servers { server.close() }
            await plugins.shutdown()
            throw error
        }
        logger.info("listening", metadata: ["socket": "\(options.socketPath)", "member": "\(cluster.memberAddress)"])
        // Started in this order, stopped in reverse: the control servers drain first, then the
        // shards finish their inputs and release their leases, then the plugins stop.
        let keeper = ServiceGroupConfiguration.ServiceConfiguration(
            service: LeaseKeeperService(member: self), successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup)
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            first.map { .init(service: $0) } + [
                .init(service: PluginSupervisorService(host: plugins)),
                keeper,
                .init(service: ControlServerService(servers: servers, endWatches: { [self] in
                    for host in state.withLock({ Array($0.hosts.values) }) { await host.sequencer.endWatches() }
                })),
            ]
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: groupConfiguration).run()
        if let fatal = state.withLock({ $0.fatal }) { throw fatal }
    }

    // MARK: Control

    /// The control service before and after the cluster is known: UNAVAILABLE with the reason
    /// until PostgreSQL has answered, then the router's.
    private func memberControl() -> ServiceDefinition {
        var s = ServiceDefinition(name: ServiceDefinition.controlName)
        for method in MemberMethods.unaryMethods + ["Shards"] {
            s.rawCommittingUnary(method) { [self] payload, context in
                try await router().callUnary(method, payload: payload, context: context)
            }
        }
        s.rawServerStreaming("Watch") { [self] payload, context, sink in
            try await router().callStreaming("Watch", payload: payload, context: context, sink: sink)
        }
        return s
    }

    /// The router's service; UNAVAILABLE at once, naming the reason, while PostgreSQL cannot be
    /// reached (a call would otherwise wait in the pool for a connection that does not come).
    private func router() throws -> ServiceDefinition {
        let (router, unreachable) = state.withLock { ($0.router, $0.unreachable) }
        if let unreachable {
            throw DomainError(.unavailable, field: "", "this member cannot serve now: \(unreachable)")
        }
        guard let router else { throw DomainError(.unavailable, field: "", "this member is starting; retry") }
        return router.service
    }

    // MARK: Leases

    /// Until shutdown: learns the cluster's shard count, then every `retryInterval` drops the
    /// shards whose lease is lost and takes free ones up to `--max-shards`.
    func keepLeases(until stopping: StopFlag) async {
        var lastFailure = ""
        func failed(_ text: String) {
            state.withLock { $0.unreachable = text }
            if text != lastFailure { logger.error("\(text)") }
            lastFailure = text
        }
        while !stopping.isSet {
            await dropLostShards()
            do {
                // Every round, on a connection of its own, which fails at once with the reason
                // (a pooled query would wait for a connection that never comes).
                try await checkReachable()
                if !lastFailure.isEmpty { try await renewClient() }
                if state.withLock({ $0.router == nil }) {
                    try await join()
                }
                try await takeFreeShards(until: stopping)
                if !lastFailure.isEmpty { logger.info("PostgreSQL answers again") }
                state.withLock { $0.unreachable = nil }
                lastFailure = ""
            } catch let error as ClusterError where error.code == .shardCount {
                logger.critical("refusing to serve: \(error.message)")
                state.withLock { $0.fatal = error }
                return
            } catch {
                failed("cannot use PostgreSQL at \(cluster.url.description): \(JournalErrorText.describe(error)); retrying")
            }
            // A held lease whose session failed makes PostgreSQL unreachable for this member.
            if let lost = state.withLock({ $0.hosts.values.first { !$0.lease.isHeld } }) {
                failed("the lease session of shard \(lost.shard) ended; retrying")
            }
            try? await Task.sleep(for: cluster.retryInterval)
        }
        await closeAll()
    }

    private func checkReachable() async throws {
        let connection = try await PostgresConnection.connect(
            configuration: cluster.url.connectionConfiguration, id: 1, logger: logger)
        try? await connection.close()
    }

    /// After an outage, with no shard held: a new pool (the old one may be backing off for a
    /// minute before it connects again) and a new router over it.
    private func renewClient() async throws {
        guard state.withLock({ $0.hosts.isEmpty }) else { return }
        let old = pg.withLock { handles in
            let old = handles
            handles = PostgresHandles(cluster, logger: logger)
            return old
        }
        old.stop()
        let router = state.withLock { s in
            let r = s.router
            s.router = nil
            return r
        }
        await router?.close()
    }

    /// Stops the pool (the member is done).
    func stopClient() { pg.withLock { $0.stop() } }

    /// Reads (or fixes) the shard count and registers this member.
    private func join() async throws {
        let created = try await catalog.createOrRead(shards: cluster.shards)
        guard created == cluster.shards else {
            throw ClusterError(.shardCount, "--shards \(cluster.shards) but the cluster was created with \(created)")
        }
        try await catalog.register(member: cluster.memberID, address: cluster.memberAddress, shard: nil)
        let box = self.box, catalog = self.catalog, member = cluster.memberID, plugins = self.plugins
        let router = ShardRouter(count: created, catalog: catalog, ownAddress: cluster.memberAddress, token: options.controlToken,
                                 logger: logger,
                                 shards: { try await ShardsAnswer.make(catalog, box: box, count: created, member: member) },
                                 modules: {
                                     var out = Copytrade_V1_ListModulesResponse()
                                     out.modules = await plugins.routes()
                                     return out
                                 })
        state.withLock { $0.router = router }
        logger.info("joined the cluster", metadata: ["shards": "\(created)", "member": "\(member)"])
    }

    private func takeFreeShards(until stopping: StopFlag) async throws {
        guard let router = state.withLock({ $0.router }) else { return }
        let limit = min(cluster.maxShards ?? router.count, router.count)
        for shard in 0..<router.count {
            if stopping.isSet { return }
            let (held, cooling) = state.withLock { ($0.hosts, $0.cooldown[shard]) }
            guard held.count < limit else { return }
            guard held[shard] == nil else { continue }
            if let cooling, ContinuousClock.now < cooling { continue }
            guard let lease = try await ShardLease.acquire(
                shard: shard, holder: cluster.memberID, configuration: cluster.url.connectionConfiguration,
                probeInterval: cluster.probeInterval, logger: logger) else { continue }
            let host = try await ShardHost.open(lease, count: router.count, options: options, market: market, host: plugins,
                                                catalog: catalog, box: box, metrics: metrics, logger: logger)
            router.hold(shard, control: host.control)
            state.withLock { $0.hosts[shard] = host }
            try? await catalog.register(member: cluster.memberID, address: cluster.memberAddress,
                                        shard: state.withLock { $0.hosts.keys.min() })
            logger.info("holding shard \(shard)", metadata: ["epoch": "\(lease.epoch)", "member": "\(cluster.memberID)"])
        }
    }

    /// Drops every shard whose lease ended or whose journal refused an append (fenced): its
    /// state may hold effects never journaled, so it stops answering at once.
    private func dropLostShards() async {
        for host in state.withLock({ Array($0.hosts.values) }) {
            if !host.lease.isHeld {
                drop(host, "its lease session ended")
            } else if let failure = await host.sequencer.failureReason {
                drop(host, "the journal refused an append: \(failure)")
            }
        }
    }

    /// Stops answering for `host` now; its stepping down (answering its waiting callers,
    /// stopping its consumer and store) runs beside the keeper, which must not wait on a store
    /// that may not answer until PostgreSQL is back. Owned: shutdown awaits it.
    private func drop(_ host: ShardHost, _ reason: String) {
        let removed = state.withLock { s -> Bool in
            guard s.hosts[host.shard] === host else { return false }
            s.hosts[host.shard] = nil
            s.cooldown[host.shard] = .now + Self.stepDownCooldown
            s.router?.release(host.shard)
            s.retiringCount += 1
            let id = s.retiringCount
            // The task's own removal takes the same lock, so it runs after this insertion.
            s.retiring[id] = Task { [weak self] in
                await host.stepDown(reason)
                self?.state.withLock { _ = $0.retiring.removeValue(forKey: id) }
            }
            return true
        }
        guard removed else { return }
        logger.error("stepping down from shard \(host.shard): \(reason)",
                     metadata: ["epoch": "\(host.lease.epoch)", "member": "\(cluster.memberID)"])
    }

    /// Shutdown: every held shard finishes its inputs, writes a snapshot and releases its lease.
    private func closeAll() async {
        let hosts = state.withLock { s -> [ShardHost] in
            let all = Array(s.hosts.values)
            for h in all { s.router?.release(h.shard) }
            s.hosts = [:]
            return all
        }
        await withTaskGroup(of: Void.self) { group in
            for host in hosts { group.addTask { await host.close() } }
        }
        // Shards stepped down from finish too, unless PostgreSQL is gone (their stores would
        // wait for it): then they are left to end with the process.
        let (retiring, reachable) = state.withLock { s in
            defer { s.retiring = [:] }
            return (Array(s.retiring.values), s.unreachable == nil)
        }
        if reachable { for task in retiring { await task.value } }
        await state.withLock({ $0.router })?.close()
        // A pooled query would wait for PostgreSQL to come back; the row is only an address.
        if state.withLock({ $0.router != nil && $0.unreachable == nil }) {
            try? await catalog.deregister(member: cluster.memberID)
        }
    }
}

/// Takes and checks the member's leases until graceful shutdown, then closes its shards.
struct LeaseKeeperService: Service {
    let member: MemberRuntime
    func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            await member.keepLeases(until: stopping)
        } onGracefulShutdown: {
            stopping.set()
        }
    }
}

extension Sequencer {
    /// The reason the sequencer stopped serving, nil while it serves.
    var failureReason: String? { core.failure }

    /// Stops serving as when the journal fails: Health NOT_SERVING, every input and query
    /// UNAVAILABLE. The state in memory may be behind the new holder's, so nothing more is
    /// decided or answered from it.
    func stepDown(_ reason: String) async {
        journalFailed(ClusterError(.leaseLost, "lease lost: \(reason)"))
        await pipeline.abandon(DomainError(.unavailable, field: "",
                                           "this member stepped down from the shard (\(reason)); not acknowledged: retry with the same key"))
    }
}

/// Turns errors from connecting into one line for an operator.
enum JournalErrorText {
    static func describe(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let message = e.serverInfo?[.message] { return message }
            return "\(e.code)" + (e.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }
}

/// Set once, when graceful shutdown begins.
final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .relaxed) }
    func set() { value.store(true, ordering: .relaxed) }
}

/// The member's PostgreSQL pool, running, and the catalog and message box over it.
struct PostgresHandles: Sendable {
    let client: PostgresClient
    let catalog: ClusterCatalog
    let box: ShardMessageBox
    private let running: Task<Void, Never>

    init(_ cluster: ClusterOptions, logger: Logger) {
        var configuration = cluster.url.clientConfiguration
        // Per shard: appends, reads and a LISTEN connection; the leases have sessions of their own.
        configuration.options.maximumConnections = max(20, 4 * (cluster.maxShards ?? cluster.shards) + 8)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.catalog = ClusterCatalog(client: client, logger: logger)
        self.box = ShardMessageBox(client: client, logger: logger)
        self.running = Task { await client.run() }
    }

    func stop() { running.cancel() }
}
