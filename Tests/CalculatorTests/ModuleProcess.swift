import Foundation
import Testing

/// Where the built executables are: beside the test bundle, or the package's debug build.
enum Binaries {
    static var directory: URL {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent(), Bundle.main.bundleURL,
                          repo.appendingPathComponent(".build/debug")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("copyctl").path) }
            ?? repo.appendingPathComponent(".build/debug")
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// A `copytrade-module` child process serving one module on a Unix socket, stopped with SIGTERM.
final class ModuleProcess: @unchecked Sendable {
    let process = Process()
    let socket: String

    init(_ module: String) throws {
        socket = "/tmp/ct-calc-\(module)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        process.executableURL = URL(fileURLWithPath: Binaries.path("copytrade-module"))
        process.arguments = [module, "--listen", "unix:\(socket)", "--log-level", "warning"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The module prints its handshake line once it listens.
        var seen = ""
        while !seen.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        guard seen.hasPrefix("COPYTRADE-PLUGIN|1|unix|\(socket)") else {
            process.terminate()
            throw ModuleStartError(output: seen)
        }
    }

    var address: String { "unix:\(socket)" }

    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

struct ModuleStartError: Error, CustomStringConvertible {
    let output: String
    var description: String { "copytrade-module did not start: \(output)" }
}

/// Runs `copyctl` with arguments; returns exit status, stdout and stderr.
func copyctl(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Binaries.path("copyctl"))
    p.arguments = args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}
