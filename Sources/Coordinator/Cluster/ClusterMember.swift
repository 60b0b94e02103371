import CopyTradeProto
import Foundation
import Journal
import Logging
import PostgresJournal
import PostgresNIO
import ServiceLifecycle
import Synchronization
import TTRPC
import UnixSignals

/// How a member joins a PostgreSQL cluster (`copytraded --postgres`).
public struct ClusterOptions: Sendable {
    public var url: PostgresURL
    /// The shard count asked for: fixed by the first member, refused later if different.
    public var shards = 1
    /// The ttrpc address other members forward control calls to (`unix:PATH` or `tcp:HOST:PORT`).
    public var memberAddress: String
    /// This member's name in `member.id` and `shard_lease.holder`: unique per process.
    public var memberID: String
    /// How often a standby tries the lease (docs/decisions.md, "PostgreSQL").
    public var retryInterval: Duration = .milliseconds(200)
    /// How often the holder's lease session is probed (a hung session is noticed in 3 of these).
    public var probeInterval: Duration = .milliseconds(500)

    public init(url: PostgresURL, memberAddress: String, memberID: String) {
        self.url = url
        self.memberAddress = memberAddress
        self.memberID = memberID
    }
}

/// One process of a PostgreSQL cluster serving one shard (docs/decisions.md, "PostgreSQL"):
/// a standby until it takes the shard's lease, then the holder until SIGTERM or until the
/// lease is lost. The life is one way on purpose: a holder that lost its lease holds state
/// that may contain effects never journaled, so it does not go back to standing by in the
/// same process; it exits 75 and its supervisor starts it again, as a standby.
public enum ClusterMember {
    /// The one shard this build serves (multi-shard mode needs cross-shard messages).
    static let shard = 0

    /// Runs the member until SIGTERM/SIGINT (returns) or a lost lease (throws `ClusterError`
    /// `.leaseLost` after stepping down). `first` (the metrics endpoint) run while holding.
    ///
    /// - Throws: `ClusterError` `.unreachable` when PostgreSQL cannot be reached at start,
    ///   `.shardCount` for a count the cluster was not created with.
    public static func run(_ options: DaemonOptions, cluster: ClusterOptions, first: [any Service],
                           logger: Logger) async throws {
        // The control socket lives there by default; nothing else does in this mode.
        try OwnerOnlyFiles.prepareDirectory(options.dataDirectory)
        try await checkReachable(cluster, logger: logger)
        let client = PostgresClient(configuration: cluster.url.clientConfiguration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await client.run() }
            defer { tasks.cancelAll() }
            try await serve(options, cluster: cluster, client: client, first: first, logger: logger)
        }
    }

    /// A clear error at once when nothing answers at the URL, rather than a pool retrying.
    private static func checkReachable(_ cluster: ClusterOptions, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: cluster.url.connectionConfiguration, id: 1, logger: logger)
            try? await connection.close()
        } catch {
            throw ClusterError(.unreachable, "cannot reach PostgreSQL at \(cluster.url.description): "
                               + "\(JournalErrorText.describe(error))")
        }
    }

    private static func serve(_ options: DaemonOptions, cluster: ClusterOptions, client: PostgresClient,
                              first: [any Service], logger: Logger) async throws {
        let catalog = ClusterCatalog(client: client, logger: logger)
        let created: Int
        do {
            created = try await catalog.createOrRead(shards: cluster.shards)
            try await catalog.register(member: cluster.memberID, address: cluster.memberAddress, shard: nil)
        } catch {
            throw ClusterError(.unreachable, "PostgreSQL at \(cluster.url.description): \(error)")
        }
        guard created == cluster.shards else {
            throw ClusterError(.shardCount, "--shards \(cluster.shards) but the cluster was created with \(created)")
        }
        let shards: @Sendable () async throws -> Copytrade_V1_ShardsResponse = {
            try await ShardsAnswer.make(catalog, count: created, member: cluster.memberID)
        }
        let lease: ShardLease
        do {
            if let taken = try await acquire(cluster, logger: logger) {
                lease = taken
            } else {
                guard let taken = try await standBy(options, cluster: cluster, catalog: catalog, shards: shards, logger: logger) else {
                    try? await catalog.deregister(member: cluster.memberID)
                    logger.info("stopped cleanly (standby)")
                    return
                }
                lease = taken
            }
        } catch let error as ClusterError {
            throw error
        } catch {
            throw ClusterError(.unreachable, "taking the lease of shard \(shard): \(error)")
        }
        try await hold(lease, options, cluster: cluster, catalog: catalog, shards: shards, first: first, logger: logger)
    }

    private static func acquire(_ cluster: ClusterOptions, logger: Logger) async throws -> ShardLease? {
        try await ShardLease.acquire(shard: shard, holder: cluster.memberID, configuration: cluster.url.connectionConfiguration,
                                     probeInterval: cluster.probeInterval, logger: logger)
    }

    /// Serves the control socket by forwarding to the holder and tries the lease every
    /// `retryInterval`. Returns the lease once taken, or nil after SIGTERM/SIGINT.
    private static func standBy(_ options: DaemonOptions, cluster: ClusterOptions, catalog: ClusterCatalog,
                                shards: @escaping @Sendable () async throws -> Copytrade_V1_ShardsResponse,
                                logger: Logger) async throws -> ShardLease? {
        let holder = HolderConnection(catalog: catalog, shard: shard, ownAddress: cluster.memberAddress,
                                      token: options.controlToken, logger: logger)
        let forwarder = ControlForwarder.service(holder, shards: shards)
        // A standby is healthy while it runs: every call is the holder's to answer.
        let health = ServiceDefinition.health(servingNames: [ServiceDefinition.controlName]) { true }
        var configuration = TTRPCServerConfiguration()
        // The holder's server binds the same path next; a late unlink must not remove its socket.
        configuration.removeSocketFileOnShutdown = false
        let addresses = [TTRPCAddress.unix(path: options.socketPath)] + (options.controlListen.map { [$0] } ?? [])
        let servers = addresses.map {
            TTRPCServer(address: $0, services: [forwarder, health], configuration: options.controlConfiguration(configuration, for: $0),
                        logger: logger)
        }
        for server in servers { _ = try await server.bind() }
        logger.info("standing by: forwarding control calls to the holder of shard \(shard)",
                    metadata: ["socket": "\(options.socketPath)", "member": "\(cluster.memberAddress)"])
        let stop = Atomic<Bool>(false)
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                stop.store(true, ordering: .relaxed)
                return
            }
        }
        defer { signals.cancel() }
        let lease: ShardLease? = try await withThrowingTaskGroup(of: Void.self) { tasks in
            for server in servers { tasks.addTask { try await server.run() } }
            var lease: ShardLease?
            var lastFailure: String?
            while !stop.load(ordering: .relaxed) {
                do {
                    lease = try await acquire(cluster, logger: logger)
                    lastFailure = nil
                } catch {
                    // PostgreSQL unreachable mid-run: keep trying; say so once per failure kind.
                    let text = "\(error)"
                    if text != lastFailure { logger.error("cannot try the lease of shard \(shard): \(text)") }
                    lastFailure = text
                }
                if lease != nil { break }
                try? await Task.sleep(for: cluster.retryInterval)
            }
            // Forwarded calls in flight finish; a forwarded Watch is cut after 2 s.
            for server in servers { await server.shutdown() }
            let drained = Task {
                try? await Task.sleep(for: .seconds(2))
                for server in servers { server.close() }
            }
            try await tasks.waitForAll()
            drained.cancel()
            return lease
        }
        await holder.close()
        if lease == nil { unlink(options.socketPath) }
        return lease
    }

    /// Recovers the shard from PostgreSQL under `lease` and serves it until SIGTERM or until
    /// the lease is lost or an append is fenced: then it steps down at once.
    private static func hold(_ lease: ShardLease, _ options: DaemonOptions, cluster: ClusterOptions,
                             catalog: ClusterCatalog, shards: @escaping @Sendable () async throws -> Copytrade_V1_ShardsResponse,
                             first: [any Service], logger: Logger) async throws {
        let daemon: Daemon
        do {
            let store = try await PostgresJournalStore(client: catalog.client, shard: shard, epoch: lease.epoch, logger: logger)
            daemon = try await Daemon.start(options, store: store, logger: logger, shards: shards)
            try await catalog.register(member: cluster.memberID, address: cluster.memberAddress, shard: shard)
        } catch {
            await lease.release()
            throw ClusterError(.unreachable, "recovering shard \(shard) from PostgreSQL: \(error)")
        }
        logger.info("holding shard \(shard)", metadata: ["epoch": "\(lease.epoch)", "member": "\(cluster.memberID)"])
        let group = CoordinatorServices.group(daemon, first: first, logger: logger)
        let lost: String? = try await withThrowingTaskGroup(of: String?.self) { tasks in
            tasks.addTask { try await group.run(); return nil }
            tasks.addTask {
                guard let reason = await LeaseWatch.firstLoss(lease, sequencer: daemon.sequencer) else { return nil }
                await daemon.sequencer.stepDown(reason)
                logger.error("stepping down from shard \(shard): \(reason)",
                             metadata: ["epoch": "\(lease.epoch)", "member": "\(cluster.memberID)"])
                await group.triggerGracefulShutdown()
                return reason
            }
            // The group ended first (SIGTERM): stop the watch. The watch first: the group is
            // draining gracefully; let it finish.
            guard case .some(.some(let reason)) = try await tasks.next() else {
                tasks.cancelAll()
                var reason: String?
                while let next = try await tasks.next() { reason = reason ?? next }
                return reason
            }
            try await tasks.waitForAll()
            return reason
        }
        if let reason = lost {
            throw ClusterError(.leaseLost, "lost the lease of shard \(shard) (epoch \(lease.epoch)): \(reason)")
        }
        await lease.release()
        try? await catalog.deregister(member: cluster.memberID)
    }
}

/// How the holder notices it must stop.
enum LeaseWatch {
    /// Returns the reason once the lease is lost (its session ended, a probe failed, the epoch
    /// moved) or the sequencer stopped serving (an append was fenced or failed); nil when
    /// cancelled (the group stopped for another reason: SIGTERM).
    static func firstLoss(_ lease: ShardLease, sequencer: Sequencer) async -> String? {
        while !Task.isCancelled {
            if !lease.isHeld, case .lost(let reason) = await lease.waitUntilEnded() { return reason }
            if let failure = await sequencer.failureReason { return "the journal refused an append: \(failure)" }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

extension Sequencer {
    /// The reason the sequencer stopped serving, nil while it serves.
    var failureReason: String? { core.failure }

    /// Stops serving as when the journal fails: Health NOT_SERVING, every input and query
    /// UNAVAILABLE. The state in memory may be behind the new holder's, so nothing more is
    /// decided or answered from it.
    func stepDown(_ reason: String) {
        journalFailed(ClusterError(.leaseLost, "lease lost: \(reason)"))
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
