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

/// One module as currently routed: its client (nil in process), the plugin process when
/// launched, and what `copyctl plugin list` shows about it.
final class ModuleConnection: Sendable {
    let module: ModuleName
    let route: ModuleRoute
    let client: TTRPCClient?
    let process: PluginProcess?
    let info: Copytrade_V1_ModuleInfo
    let address: String
    let callTimeout: Duration

    init(module: ModuleName, route: ModuleRoute, client: TTRPCClient?, process: PluginProcess?,
         info: Copytrade_V1_ModuleInfo, address: String, callTimeout: Duration) {
        self.module = module
        self.route = route
        self.client = client
        self.process = process
        self.info = info
        self.address = address
        self.callTimeout = callTimeout
    }

    /// Opens a route: connects to an address, or launches the plugin and connects to it
    /// (over fd 3 or its handshake address), then checks Health within the start timeout.
    static func open(_ module: ModuleName, _ route: ModuleRoute, market: Market, logger: Logger) async throws -> ModuleConnection {
        switch route {
        case .inProcess:
            return ModuleConnection(module: module, route: route, client: nil, process: nil,
                                    info: ModuleInfo.make(module: module.rawValue, capabilities: []), address: "", callTimeout: .seconds(5))
        case .address(let address, let security):
            let client = try await TTRPCClient.connect(to: address, logger: logger, security: security)
            return try await verified(module, route, client: client, process: nil, address: address.description,
                                      startTimeoutMs: 5_000, callTimeout: .seconds(10))
        case .exec(let argv, let launch):
            let process = try PluginProcess.launch(argv, module: module, launch: launch, logger: logger)
            do {
                let client: TTRPCClient
                let address: String
                switch launch.mode {
                case .fd3:
                    client = try await TTRPCClient.connect(descriptor: process.socketFD, logger: logger)
                    address = "fd:3"
                case .handshake:
                    let line = try await process.readHandshake(timeoutMs: launch.startTimeoutMs)
                    process.forwardStdout(logger: logger, module: module)
                    let target = try HandshakeLine.parse(line)
                    client = try await TTRPCClient.connect(to: target, logger: logger)
                    address = target.description
                }
                return try await verified(module, route, client: client, process: process, address: address,
                                          startTimeoutMs: launch.startTimeoutMs, callTimeout: .milliseconds(launch.callTimeoutMs))
            } catch {
                process.signal(SIGKILL)
                throw error
            }
        }
    }

    /// Health must say SERVING for the module's service, and Info must name the module.
    static func verified(_ module: ModuleName, _ route: ModuleRoute, client: TTRPCClient, process: PluginProcess?,
                         address: String, startTimeoutMs: Int64, callTimeout: Duration) async throws -> ModuleConnection {
        let service = "copytrade.v1.\(module.rawValue.capitalized)"
        do {
            let health = try await client.healthCheck(service: service, timeout: .milliseconds(startTimeoutMs))
            guard health == .serving else {
                throw DomainError(.failedPrecondition, field: module.rawValue, "\(address) answers Health \(health) for \(service)")
            }
            let info: Copytrade_V1_ModuleInfo = try await client.call(service: service, method: "Info", request: Copytrade_V1_ModuleInfoRequest(),
                                                                    timeout: .milliseconds(startTimeoutMs))
            guard info.module.isEmpty || info.module == module.rawValue else {
                throw DomainError(.failedPrecondition, field: module.rawValue, "\(address) is a \(info.module) module, not \(module.rawValue)")
            }
            return ModuleConnection(module: module, route: route, client: client, process: process, info: info,
                                    address: address, callTimeout: callTimeout)
        } catch let e as DomainError {
            await client.close()
            throw e
        } catch {
            await client.close()
            throw DomainError(.failedPrecondition, field: module.rawValue, "\(route.summary) did not become healthy: \(error)")
        }
    }

    /// Shutdown (when a plugin), then SIGKILL after the grace period; closes the client.
    func stop(grace: Duration) async {
        if let client, process != nil {
            let service = "copytrade.v1.\(module.rawValue.capitalized)"
            let _: Copytrade_V1_ShutdownResponse? = try? await client.call(service: service, method: "Shutdown",
                                                                          request: Copytrade_V1_ShutdownRequest(), timeout: grace)
        }
        await client?.close()
        if let process {
            let exited = await withTaskGroup(of: Bool.self) { g in
                g.addTask { _ = await process.waitForExit(); return true }
                g.addTask { try? await Task.sleep(for: grace); return false }
                let first = await g.next() ?? false
                g.cancelAll()
                return first
            }
            if !exited {
                process.signal(SIGKILL)
                _ = await process.waitForExit()
            }
        }
    }
}

/// `COPYTRADE-PLUGIN|1|unix|/path` or `COPYTRADE-PLUGIN|1|tcp|host:port`.
enum HandshakeLine {
    static func parse(_ line: String) throws -> TTRPCAddress {
        let parts = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "COPYTRADE-PLUGIN" else {
            throw DomainError(.failedPrecondition, field: "handshake", "expected COPYTRADE-PLUGIN|1|unix|PATH, got \"\(line.prefix(80))\"")
        }
        guard parts[1] == "1" else { throw DomainError(.failedPrecondition, field: "handshake", "protocol version \(parts[1]) is not supported (1 is)") }
        do { return try TTRPCAddress(parsing: "\(parts[2]):\(parts[3])") } catch {
            throw DomainError(.failedPrecondition, field: "handshake", error.rule)
        }
    }
}
