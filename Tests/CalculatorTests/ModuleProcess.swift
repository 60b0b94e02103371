import Foundation
import Testing
import TestSupport

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
/// Its output never goes to the test runner's own descriptors, and `kill()` (for a `defer`)
/// makes sure it never outlives a failed test.
final class ModuleProcess: @unchecked Sendable {
    let process = Process()
    let socket: String

    private init(_ module: String) {
        socket = "/tmp/ct-calc-\(module)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        process.executableURL = URL(fileURLWithPath: Binaries.path("copytrade-module"))
        process.arguments = [module, "--listen", "unix:\(socket)", "--log-level", "warning"]
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
    }

    /// Starts the module and waits (at most 15 s) for its handshake line.
    static func start(_ module: String) async throws -> ModuleProcess {
        let m = ModuleProcess(module)
        let out = Pipe()
        m.process.standardOutput = out
        try m.process.run()
        let (_, seen) = await ChildProcess.waitForLine("\n", on: out.fileHandleForReading)
        guard seen.hasPrefix("COPYTRADE-PLUGIN|1|unix|\(m.socket)") else {
            m.kill()
            throw ModuleStartError(output: seen)
        }
        return m
    }

    var address: String { "unix:\(socket)" }

    /// SIGTERM and the exit status (a module that ignores SIGTERM is killed and reads as -9).
    func stop() async -> Int32 {
        await ChildProcess.stop(process)
        return ChildProcess.exitStatus(of: process)
    }

    /// SIGKILL if still running; for `defer`, after which a clean `stop()` makes it a no-op.
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}

struct ModuleStartError: Error, CustomStringConvertible {
    let output: String
    var description: String { "copytrade-module did not start: \(output)" }
}

/// Runs `copyctl` with arguments; returns exit status, stdout and stderr.
func copyctl(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
    let r = try await ChildProcess.run(Binaries.path("copyctl"), args)
    return (r.status, r.stdout, r.stderr)
}
