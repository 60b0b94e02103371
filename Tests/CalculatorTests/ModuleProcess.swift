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
/// `kill()` (for a `defer`) makes sure it never outlives a failed test.
final class ModuleProcess: Sendable {
    let child: Spawned
    let socket: String

    private init(child: Spawned, socket: String) {
        self.child = child
        self.socket = socket
    }

    /// Starts the module and waits (at most 15 s) for its handshake line.
    static func start(_ module: String) async throws -> ModuleProcess {
        let socket = "/tmp/ct-calc-\(module)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        let child = try Spawned(Binaries.path("copytrade-module"),
                                [module, "--listen", "unix:\(socket)", "--log-level", "warning"], stdout: .pipe)
        let (_, seen) = await ChildProcess.waitForLine("\n", on: child.stdout!)
        guard seen.hasPrefix("COPYTRADE-PLUGIN|1|unix|\(socket)") else {
            child.kill9()
            throw ModuleStartError(output: seen)
        }
        return ModuleProcess(child: child, socket: socket)
    }

    var address: String { "unix:\(socket)" }

    /// SIGTERM and the exit status (a module that ignores SIGTERM is killed and reads as -9).
    func stop() async -> Int32? { await child.stop() }

    /// SIGKILL if still running; for `defer`, after which a clean `stop()` makes it a no-op.
    func kill() { child.kill9() }
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
