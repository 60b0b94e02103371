import Foundation
import TestSupport

extension CommandLine {
    /// Runs the built copyctl (next to the test bundle in the build folder).
    static func copyctl(_ args: [String]) async throws -> ChildOutput {
        try await ChildProcess.run(binary("copyctl"), args)
    }

    static func binary(_ name: String) -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Paths.root.appendingPathComponent(".build/debug/\(name)").path
    }

    /// The first of `names` found on PATH.
    static func which(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}
