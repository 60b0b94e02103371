import Foundation
import TestSupport

/// What a finished command printed and how it exited.
struct ProcessOutput: Sendable {
    var exit: Int32
    var stdout: String
    var stderr: String
}

/// Runs programs without blocking the test's threads, with a time limit (TestSupport's
/// `ChildProcess`, which says why).
enum ProcessRun {
    static func run(_ executable: String, _ arguments: [String]) async throws -> ProcessOutput {
        let r = try await ChildProcess.run(executable, arguments)
        return ProcessOutput(exit: r.status, stdout: r.stdout, stderr: r.timedOut ? r.stderr + "\n(killed at its time limit)" : r.stderr)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(50),
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return true }
        if clock.now >= deadline { return false }
        try? await Task.sleep(for: interval)
    }
}

/// Milliseconds since the Unix epoch, as the daemon's clock reads them.
func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
