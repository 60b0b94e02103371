import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A real `copytraded` on a temporary data directory with a short socket path, driven by the
/// real `copyctl`. Stopping it checks a clean exit; dropping it kills whatever is still running
/// and removes the directory.
final class Daemon: @unchecked Sendable {
    let dataDir: String
    let socket: String
    let flags: [String]
    private let lock = NSLock()
    private var process: Spawned?

    /// Starts a daemon; `reorderWindowMs: nil` keeps the daemon's default (500 ms). `config`
    /// is YAML for the configuration file (an `engine:` section), joined with the modules'.
    /// `ready` is the `copyctl` command that must succeed before the daemon counts as up (a
    /// cluster member may serve before every shard is held: `shards`).
    static func start(reorderWindowMs: Int? = 100, flags: [String] = [], config: String? = nil,
                      ready: [String] = ["status"]) async throws -> Daemon {
        try Binaries.require(Binaries.copytraded)
        try Binaries.require(Binaries.copyctl)
        var template = Array("/tmp/cte.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil, "cannot create a temporary data directory")
        let dir = String(cString: template.map { $0 })
        var all = flags
        let modules = ModuleConfiguration.current.configYAML
        if config != nil || modules != nil {
            let yaml = (config ?? "") + (modules ?? "")
            let path = dir + "/config.yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            all = ["--config", path] + all
        }
        if let w = reorderWindowMs { all += ["--reorder-window-ms", "\(w)"] }
        let d = Daemon(dataDir: dir, flags: all, ready: ready)
        try await d.launch()
        return d
    }

    let ready: [String]

    private init(dataDir: String, flags: [String], ready: [String]) {
        self.ready = ready
        self.dataDir = dataDir
        self.socket = dataDir + "/s.sock"
        self.flags = flags
    }

    deinit {
        process?.kill9()
        if ProcessInfo.processInfo.environment["COPYTRADE_E2E_KEEP"] == nil {
            try? FileManager.default.removeItem(atPath: dataDir)
        }
    }

    var pid: Int32 { lock.withLock { process?.pid ?? 0 } }
    var logPath: String { dataDir + "/daemon.log" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Starts the process on the data directory and waits until `copyctl status` answers.
    func launch() async throws {
        precondition(lock.withLock { process == nil }, "already running")
        let p = try Spawned(Binaries.copytraded, ["--data", dataDir, "--socket", socket] + flags,
                            stdout: .file(logPath, append: true), stderr: .file(logPath, append: true))
        lock.withLock { process = p }
        let up = await eventually(timeout: .seconds(15), every: .milliseconds(20)) {
            if !p.isRunning { return true }
            return (try? await self.copyctl(self.ready).ok) ?? false
        }
        try #require(up && p.isRunning, "copytraded did not come up on \(socket); log:\n\(log)")
    }

    /// SIGTERM, then waits for the exit; returns the exit status (negative: the signal that
    /// killed it; nil when it did not exit in time).
    @discardableResult
    func stop(timeout: Duration = .seconds(15)) async -> Int32? {
        await signal(SIGTERM, timeout: timeout)
    }

    /// Waits for the process to exit after a signal sent elsewhere (`kill(pid, SIGTERM)`).
    func waitForExit(timeout: Duration) async -> Int32? {
        await signal(0, timeout: timeout)
    }

    /// SIGKILL, then waits for the process to be gone.
    func kill9() async {
        _ = await signal(SIGKILL, timeout: .seconds(10))
    }

    private func signal(_ sig: Int32, timeout: Duration) async -> Int32? {
        guard let p = lock.withLock({ process }) else { return nil }
        p.signal(sig)
        guard let status = await p.wait(within: timeout) else { return nil }
        lock.withLock { process = nil }
        return status
    }

    /// `copyctl --socket S --json ARGS...`.
    func copyctl(_ args: String...) async throws -> CtlResult { try await copyctl(args) }

    func copyctl(_ args: [String]) async throws -> CtlResult {
        CtlResult(try await ChildProcess.run(Binaries.copyctl, ["--socket", socket, "--json"] + args))
    }
}

/// `copyctl --json ARGS...` without a daemon (e.g. `calc`).
func copyctl(_ args: String...) async throws -> CtlResult {
    CtlResult(try await ChildProcess.run(Binaries.copyctl, ["--json"] + args))
}
