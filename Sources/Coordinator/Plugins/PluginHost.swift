import CopyTradeCore
import CopyTradeProto
import Foundation
import Logging
import Margin
import ModuleRuntime
import Pricing
import Sizing
import Sync
import TTRPC

/// Supervises the module routes of a coordinator: opens them at start, restarts a launched
/// plugin (or reconnects a service) that died, with backoff, while calls wait for it, swaps a
/// module for another, and reports each route for `copyctl plugin list`.
public actor PluginHost {
    var connections: [ModuleName: ModuleConnection] = [:]
    var restarts: [ModuleName: Int] = [:]
    var restoring: [ModuleName: Task<ModuleConnection, any Error>] = [:]
    var stopping = false
    /// One task per launched plugin waiting for its exit, owned here: ``shutdown()`` waits for
    /// them after stopping the plugins, so none outlives the supervisor.
    var exitWatchers: [ObjectIdentifier: Task<Void, Never>] = [:]
    var retired: [ModuleName: [ModuleConnection]] = [:]
    let market: Market
    let logger: Logger
    /// Module call latency and errors (``routedCall(_:_:_:)``) and restarts are counted here.
    let metrics: CoordinatorMetrics
    /// Longest a call waits for a module to come back before the input is refused.
    public var restoreTimeout: Duration = .seconds(30)

    public init(market: Market, logger: Logger, metrics: CoordinatorMetrics = CoordinatorMetrics()) {
        self.market = market
        self.logger = logger
        self.metrics = metrics
    }

    /// Opens every route (in process when not configured); a route that cannot start fails here.
    public func start(routes: [ModuleName: ModuleRoute]) async throws {
        for module in ModuleName.allCases {
            let route = routes[module] ?? .inProcess
            let c = try await ModuleConnection.open(module, route, market: market, logger: logger)
            install(c)
        }
    }

    /// The engine's modules: the modules' own Swift code in process, or wire adapters over
    /// clients that follow this host's routes (rebuilt on every swap).
    public func moduleSet() -> ModuleSet {
        func routed(_ m: ModuleName) -> Bool { connections[m]?.client != nil }
        return ModuleSet(
            pricing: routed(.pricing) ? PricingOverWire(RoutedPricing(host: self)) : InProcessPricing(market: market),
            margin: routed(.margin) ? MarginOverWire(RoutedMargin(host: self)) : InProcessMargin(),
            sizing: routed(.sizing) ? SizingOverWire(RoutedSizing(host: self)) : InProcessSizing(),
            sync: routed(.sync) ? SyncOverWire(RoutedSync(host: self)) : InProcessSync())
    }

    func install(_ c: ModuleConnection) {
        connections[c.module] = c
        if let process = c.process {
            let id = ObjectIdentifier(c)
            exitWatchers[id] = Task { [weak self] in
                _ = await process.waitForExit()
                await self?.processExited(c)
                await self?.watcherEnded(id)
            }
        }
    }

    /// The module's live connection, waiting while it is being restored.
    func connection(_ m: ModuleName) async throws -> ModuleConnection {
        if let task = restoring[m] { return try await task.value }
        guard let c = connections[m] else { throw TTRPCError(code: .unavailable, message: "\(m.rawValue) module is not routed") }
        return c
    }

    /// A call found the connection broken: restore it (once, however many callers report it).
    func failed(_ c: ModuleConnection) {
        guard connections[c.module] === c, restoring[c.module] == nil, !stopping else { return }
        restore(c)
    }

    func processExited(_ c: ModuleConnection) {
        guard connections[c.module] === c, !stopping else { return }
        logger.warning("plugin exited", metadata: ["module": "\(c.module.rawValue)", "pid": "\(c.process?.pid ?? 0)"])
        if restoring[c.module] == nil { restore(c) }
    }

    private func restore(_ dead: ModuleConnection) {
        let module = dead.module, route = dead.route
        restarts[module, default: 0] += 1
        metrics.pluginRestarts[module]?.increment()
        let market = self.market, logger = self.logger, limit = restoreTimeout
        restoring[module] = Task {
            await dead.stop(grace: .milliseconds(100))
            var delay = Duration.milliseconds(50)
            let deadline = ContinuousClock.now + limit
            while true {
                do {
                    let fresh = try await ModuleConnection.open(module, route, market: market, logger: logger)
                    logger.notice("module restored", metadata: ["module": "\(module.rawValue)", "route": "\(route.summary)"])
                    await self.restored(fresh)
                    return fresh
                } catch {
                    guard ContinuousClock.now + delay < deadline else {
                        await self.restoreFailed(module)
                        throw TTRPCError(code: .unavailable, message: "\(module.rawValue) module \(route.summary) is down: \(error)")
                    }
                    logger.warning("module restart failed; retrying", metadata: ["module": "\(module.rawValue)", "error": "\(error)"])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(2))
                }
            }
        }
    }

    func restored(_ c: ModuleConnection) {
        install(c)
        restoring[c.module] = nil
    }

    func restoreFailed(_ m: ModuleName) { restoring[m] = nil }

    /// Opens and health-checks a new route for `module`; `activate` then makes it current (the
    /// caller does that between two inputs) and returns the old one to stop.
    public func prepare(_ module: ModuleName, route: ModuleRoute) async throws -> PreparedRoute {
        PreparedRoute(connection: try await ModuleConnection.open(module, route, market: market, logger: logger))
    }

    /// Makes a prepared route current; the one it replaces waits in ``retired`` until
    /// ``retireReplaced(_:)`` stops it, after the sequencer has stopped using it.
    public func activate(_ p: PreparedRoute) {
        let m = p.connection.module
        if let old = connections[m] { retired[m, default: []].append(old) }
        restoring[m]?.cancel()
        restoring[m] = nil
        install(p.connection)
        restarts[m] = 0
    }

    public func retireReplaced(_ m: ModuleName) async {
        let old = retired[m] ?? []
        retired[m] = nil
        for c in old { await c.stop(grace: .seconds(2)) }
    }

    /// What `copyctl plugin list` shows: module, kind, address, pid, health, version, restarts.
    public func routes() async -> [Copytrade_V1_ModuleRoute] {
        var out: [Copytrade_V1_ModuleRoute] = []
        for m in ModuleName.allCases {
            guard let c = connections[m] else { continue }
            var r = Copytrade_V1_ModuleRoute()
            r.module = m.rawValue
            r.kind = c.route.kind
            r.address = c.route.kind == "exec" ? "\(c.route.summary) (\(c.address))" : c.address
            r.pid = Int32(c.process?.pid ?? 0)
            r.restarts = Int32(restarts[m] ?? 0)
            r.version = c.info.version
            r.name = c.info.name
            if restoring[m] != nil {
                r.health = "RESTARTING"
            } else if let client = c.client {
                let h = try? await client.healthCheck(service: "copytrade.v1.\(m.rawValue.capitalized)", timeout: .seconds(1))
                r.health = h.map { "\($0)".uppercased() } ?? "UNREACHABLE"
            } else {
                r.health = "SERVING"
            }
            out.append(r)
        }
        return out
    }

    func watcherEnded(_ id: ObjectIdentifier) { exitWatchers[id] = nil }

    /// Stops every plugin: Shutdown, then SIGKILL after the grace period; then waits for the
    /// restore and exit-watching tasks, so nothing of the supervisor runs on after it.
    public func shutdown() async {
        stopping = true
        for task in restoring.values { task.cancel() }
        for c in connections.values { await c.stop(grace: .seconds(2)) }
        for task in restoring.values { _ = await task.result }
        // Every plugin was stopped above, so each watcher ends at once; the bound only guards
        // against a process that a kill could not reap.
        let watchers = Array(exitWatchers.values)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for task in watchers { await task.value } }
            group.addTask { try? await Task.sleep(for: .seconds(5)) }
            await group.next()
            group.cancelAll()
        }
    }
}

/// A new route, opened and healthy, not yet carrying traffic.
public struct PreparedRoute: Sendable { let connection: ModuleConnection }
