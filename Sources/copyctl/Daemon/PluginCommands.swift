import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import Foundation

/// `copyctl plugin list|swap`: where each module runs, and moving one elsewhere while the
/// coordinator keeps taking inputs.
struct PluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plugin", abstract: "List module routes and swap a module.",
                                                    subcommands: [List.self, Swap.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Module, kind, address, pid, health, version and restarts.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runReporting(json: global.json) {
                let r: Copytrade_V1_ListModulesResponse = try await withControl(global) { try await $0.call("ListModules", Copytrade_V1_ListModulesRequest()) }
                PluginCommand.print(r, json: global.json)
            }
        }
    }

    struct Swap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a module to a plugin executable, an address, or back in process.",
            discussion: "The new route is started and health-checked before traffic moves; inputs in flight finish on the old one.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "pricing, margin, sizing or sync.") var module: String
        @Option(parsing: .upToNextOption, help: "Launch this executable (and arguments) with a socket on fd 3.") var exec: [String] = []
        @Flag(help: "With --exec: read the plugin's handshake line instead of passing fd 3.") var handshake = false
        @Option(help: "Connect to a running module: unix:PATH or tcp:HOST:PORT.") var address: String?
        @Flag(help: "Use the built-in module again.") var inprocess = false
        @Option(name: .customLong("start-timeout-ms"), help: "With --exec: time the plugin has to become healthy.") var startTimeoutMs: Int64 = 0
        @Option(name: .customLong("call-timeout-ms"), help: "With --exec: deadline of each call to the plugin.") var callTimeoutMs: Int64 = 0

        func run() async throws {
            try await runReporting(json: global.json) {
                var r = Copytrade_V1_SwapModuleRequest()
                r.module = module
                r.exec = exec.enumerated().map { i, a in
                    // The daemon may run elsewhere: give it an absolute path to the executable.
                    i == 0 && a.contains("/") && !a.hasPrefix("/") ? FileManager.default.currentDirectoryPath + "/" + a : a
                }
                r.handshake = handshake
                r.address = address ?? ""
                r.inprocess = inprocess
                r.startTimeoutMs = startTimeoutMs
                r.callTimeoutMs = callTimeoutMs
                let out: Copytrade_V1_ListModulesResponse = try await withControl(global) { try await $0.call("SwapModule", r) }
                PluginCommand.print(out, json: global.json)
            }
        }
    }

    static func print(_ r: Copytrade_V1_ListModulesResponse, json: Bool) {
        if json {
            var o = CalcOutput()
            o.add("modules", .list(r.modules.map { m in
                var x = CalcOutput()
                x.add("module", m.module)
                x.add("kind", m.kind)
                x.add("address", m.address)
                x.add("pid", .integer(Int64(m.pid)))
                x.add("health", m.health)
                x.add("name", m.name)
                x.add("version", m.version)
                x.add("restarts", .integer(Int64(m.restarts)))
                return x
            }))
            Swift.print(o.json)
        } else {
            var rows = [["MODULE", "KIND", "ADDRESS", "PID", "HEALTH", "NAME", "VERSION", "RESTARTS"]]
            for m in r.modules {
                rows.append([m.module, m.kind, m.address.isEmpty ? "-" : m.address, m.pid == 0 ? "-" : "\(m.pid)", m.health,
                             m.name, m.version, "\(m.restarts)"])
            }
            Swift.print(Table.render(rows))
        }
    }
}
