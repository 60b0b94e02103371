import Foundation
import Testing

/// Where the built `copytraded` and `copyctl` live: `.build/debug` under the repository root
/// (found from this file's path), or the directory holding the test bundle.
enum Binaries {
    static let copytraded = locate("copytraded")
    static let copyctl = locate("copyctl")

    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func locate(_ name: String) -> String {
        let bundleDir = Bundle.main.bundleURL.deletingLastPathComponent()
        let candidates = [
            repoRoot.appendingPathComponent(".build/debug/\(name)").path,
            bundleDir.appendingPathComponent(name).path,
            Bundle.main.bundleURL.appendingPathComponent(name).path,
        ]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        return candidates[0]
    }

    /// Fails the test with a clear message when a binary is missing (run `swift build` first).
    static func require(_ path: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: path),
                     "\(path) is missing: run `swift build` before the end-to-end tests")
    }
}
