import Coordinator
import Foundation
import Logging
import Margin
import Pricing
import Sizing
import Sync
import TTRPC

/// The sizing module in its own process (`copytrade-module sizing`) behind a Unix socket, for
/// the fan-out benchmark's out-of-process variant: the engine's batched SizeBatch calls cross
/// the socket while the other modules stay in process.
final class RemoteSizing: @unchecked Sendable {
    let process = Process()
    let client: TTRPCClient
    let socket: String

    init(binary: String) async throws {
        socket = "/tmp/ct-bench-sizing-\(getpid()).sock"
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["sizing", "--listen", "unix:\(socket)", "--log-level", "warning"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = ""
        while !line.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += String(decoding: chunk, as: UTF8.self)
        }
        guard line.hasPrefix("COPYTRADE-PLUGIN|1|unix|") else { throw BenchError("copytrade-module sizing did not start: \(line)") }
        client = try await TTRPCClient.connect(to: .unix(path: socket), logger: Logger(label: "bench.sizing"))
    }

    var modules: ModuleSet {
        ModuleSet(pricing: InProcessPricing(), margin: InProcessMargin(),
                  sizing: SizingOverWire(SizingRemote(client: client, timeout: .seconds(600))), sync: InProcessSync())
    }

    func stop() async {
        await client.close()
        process.terminate()
        process.waitUntilExit()
    }
}
