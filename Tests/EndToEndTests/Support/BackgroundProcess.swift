import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A long-running command (e.g. `copyctl watch`) whose output is read while it runs.
final class BackgroundProcess: @unchecked Sendable {
    private let process = Process()
    private let outPath: String

    init(_ executable: String, _ arguments: [String]) throws {
        outPath = FileManager.default.temporaryDirectory.appendingPathComponent("ct-e2e-\(UUID().uuidString).out").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? out.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: outPath)
    }

    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// Waits for the exit; returns the exit status, nil if it is still running after `timeout`.
    func wait(timeout: Duration) async -> Int32? {
        guard await eventually(timeout: timeout, every: .milliseconds(10), { !process.isRunning }) else { return nil }
        return process.terminationStatus
    }
}
