import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A long-running command (e.g. `copyctl watch`) whose output is read while it runs.
final class BackgroundProcess: Sendable {
    private let child: Spawned
    private let outPath: String

    init(_ executable: String, _ arguments: [String]) throws {
        outPath = FileManager.default.temporaryDirectory.appendingPathComponent("ct-e2e-\(UUID().uuidString).out").path
        child = try Spawned(executable, arguments, stdout: .file(outPath))
    }

    deinit {
        child.kill9()
        try? FileManager.default.removeItem(atPath: outPath)
    }

    var isRunning: Bool { child.isRunning }
    /// Sends `sig` (SIGSTOP makes a client that stops reading; SIGCONT lets it go on).
    func signal(_ sig: Int32) { child.signal(sig) }
    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// Waits for the exit; returns the exit status, nil if it is still running after `timeout`.
    func wait(timeout: Duration) async -> Int32? { await child.wait(within: timeout) }
}
