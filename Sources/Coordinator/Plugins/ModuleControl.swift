import CopyTradeCore
import CopyTradeProto
import Foundation

/// `copyctl plugin list|swap`: the host's routes, and a swap that starts the new route, checks
/// its health, moves traffic between two inputs, then stops the old route.
public struct ModuleControl: Sendable {
    let host: PluginHost
    let sequencer: Sequencer

    public init(host: PluginHost, sequencer: Sequencer) {
        self.host = host
        self.sequencer = sequencer
    }

    public func list() async -> Copytrade_V1_ListModulesResponse {
        var out = Copytrade_V1_ListModulesResponse()
        out.modules = await host.routes()
        return out
    }

    public func swap(_ r: Copytrade_V1_SwapModuleRequest) async throws -> Copytrade_V1_ListModulesResponse {
        let module = try ModuleName(parsing: r.module)
        let choices = (r.inprocess ? 1 : 0) + (r.exec.isEmpty ? 0 : 1) + (r.address.isEmpty ? 0 : 1)
        guard choices == 1 else { throw DomainError.invalid("route", "give exactly one of --exec, --address, --inprocess") }
        let route: ModuleRoute
        if r.inprocess {
            route = .inProcess
        } else if !r.exec.isEmpty {
            var launch = LaunchOptions()
            launch.mode = r.handshake ? .handshake : .fd3
            if r.startTimeoutMs > 0 { launch.startTimeoutMs = r.startTimeoutMs }
            if r.callTimeoutMs > 0 { launch.callTimeoutMs = r.callTimeoutMs }
            route = .exec(r.exec, launch: launch)
        } else {
            do { route = .address(try .init(parsing: r.address), security: RouteSecurity()) } catch {
                throw DomainError.invalid("address", error.rule)
            }
        }
        let prepared = try await host.prepare(module, route: route)
        let host = self.host
        await sequencer.swapModules {
            await host.activate(prepared)
            return await host.moduleSet()
        }
        await host.retireReplaced(module)
        return await list()
    }
}
