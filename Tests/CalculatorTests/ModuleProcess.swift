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

/// A `copytrade-module` serving one module on a Unix socket (stopped with SIGTERM).
enum ModuleProcess {
    static func start(_ module: String) async throws -> ListeningChild {
        let socket = ListeningChild.socketPath("calc-\(module)")
        return try await ListeningChild.start(Binaries.path("copytrade-module"),
                                              [module, "--listen", "unix:\(socket)", "--log-level", "warning"],
                                              socket: socket, readiness: .handshakeLine)
    }
}

/// Runs `copyctl` with arguments; returns exit status, stdout and stderr.
func copyctl(_ args: [String]) async throws -> (status: Int32, out: String, err: String) {
    let r = try await ChildProcess.run(Binaries.path("copyctl"), args)
    return (r.status, r.stdout, r.stderr)
}
