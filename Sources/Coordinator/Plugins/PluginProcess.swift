import CopyTradeCore
import Foundation
import Logging
import ModuleRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A launched plugin executable: spawned with an already connected socket on fd 3 (or, in
/// handshake mode, with stdout piped to read its address line), its stderr forwarded line by
/// line into the coordinator's log, and its exit observed.
final class PluginProcess: Sendable {
    let pid: pid_t
    /// Our end of the socket pair (fd-3 mode), -1 in handshake mode.
    let socketFD: CInt
    /// The plugin's stdout (handshake mode), -1 otherwise.
    let stdoutFD: CInt
    private let exited: AsyncStream<Int32>
    private let exitContinuation: AsyncStream<Int32>.Continuation

    private init(pid: pid_t, socketFD: CInt, stdoutFD: CInt) {
        self.pid = pid
        self.socketFD = socketFD
        self.stdoutFD = stdoutFD
        (exited, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
    }

    /// Spawns `argv` for `module`; the environment names the protocol version and the module.
    static func launch(_ argv: [String], module: ModuleName, launch: LaunchOptions, logger: Logger) throws -> PluginProcess {
        var pair: [CInt] = [-1, -1]
        var out: [CInt] = [-1, -1]
        var err: [CInt] = [-1, -1]
        if launch.mode == .fd3 {
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw spawnError(argv, "socketpair failed: errno \(errno)") }
        } else {
            guard pipe(&out) == 0 else { throw spawnError(argv, "pipe failed") }
        }
        guard pipe(&err) == 0 else { throw spawnError(argv, "pipe failed") }
        defer {
            if pair[1] >= 0 { close(pair[1]) }
            if out[1] >= 0 { close(out[1]) }
            close(err[1])
        }
        for fd in [pair[0], out[0], err[0]] where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if launch.mode == .fd3 { posix_spawn_file_actions_adddup2(&actions, pair[1], 3) }
        if launch.mode == .handshake { posix_spawn_file_actions_adddup2(&actions, out[1], 1) }
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        // Nothing else of the daemon's (its control socket, the journal, other plugins' ends)
        // reaches the plugin: a plugin that outlives a crashed daemon holds none of it.
        SpawnFileActions.closeFrom(&actions, launch.mode == .fd3 ? 4 : 3)

        var env = ProcessInfo.processInfo.environment
        env["COPYTRADE_PLUGIN_PROTOCOL"] = "1"
        env["COPYTRADE_PLUGIN_MODULE"] = module.rawValue
        env["COPYTRADE_PLUGIN_MODE"] = launch.mode.rawValue
        for (k, v) in launch.environment { env[k] = v }
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        // The child starts with no blocked signals and default dispositions, whatever this
        // (threaded) process has, so SIGTERM and SIGKILL stop it as the lifecycle expects.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard rc == 0 else {
            [pair[0], out[0], err[0]].filter { $0 >= 0 }.forEach { close($0) }
            throw spawnError(argv, "cannot start: \(String(cString: strerror(rc)))")
        }
        let p = PluginProcess(pid: pid, socketFD: pair[0], stdoutFD: out[0])
        p.forwardStderr(err[0], logger: logger, module: module)
        p.watchExit()
        return p
    }

    static func spawnError(_ argv: [String], _ why: String) -> DomainError {
        DomainError(.failedPrecondition, field: "exec", "\(argv.first ?? "?"): \(why)")
    }

    /// After the handshake, the rest of the plugin's stdout goes to the log too, so a chatty
    /// plugin never blocks on a full pipe.
    func forwardStdout(logger: Logger, module: ModuleName) {
        if stdoutFD >= 0 { forwardStderr(stdoutFD, logger: logger, module: module) }
    }

    /// Reads the plugin's stderr on a background thread and logs each line.
    private func forwardStderr(_ fd: CInt, logger: Logger, module: ModuleName) {
        let pid = self.pid
        Thread.detachNewThread {
            var pending = Data()
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                pending.append(contentsOf: buf[0..<n])
                while let nl = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                    pending.removeSubrange(pending.startIndex...nl)
                    logger.info("\(line)", metadata: ["plugin": "\(module.rawValue)", "pid": "\(pid)"])
                }
            }
            close(fd)
        }
    }

    private func watchExit() {
        let pid = self.pid
        let c = exitContinuation
        Thread.detachNewThread {
            var status: CInt = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            c.yield(status)
            c.finish()
        }
    }

    /// Resolves when the process has exited (with its raw wait status).
    func waitForExit() async -> Int32 {
        for await s in exited { return s }
        return -1
    }

    /// Reads the handshake line `COPYTRADE-PLUGIN|1|unix|/path` (or `|tcp|host:port`) within the
    /// deadline. The blocking read runs on its own thread; whichever of it and the timer comes
    /// first answers, so a silent plugin cannot hold the caller past the deadline.
    func readHandshake(timeoutMs: Int64) async throws -> String {
        let fd = stdoutFD
        let line: String? = await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let once = Mutex(false)
            let finish: @Sendable (String?) -> Void = { value in
                let first = once.withLock { done -> Bool in
                    defer { done = true }
                    return !done
                }
                if first { c.resume(returning: value) }
            }
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                var b: UInt8 = 0
                while read(fd, &b, 1) == 1 {
                    if b == 0x0A { break }
                    bytes.append(b)
                    if bytes.count > 4096 { break }
                }
                finish(bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self))
            }
            Task {
                try? await Task.sleep(for: .milliseconds(timeoutMs))
                finish(nil)
            }
        }
        guard let line else {
            throw DomainError(.failedPrecondition, field: "handshake", "the plugin printed no handshake line within \(timeoutMs) ms")
        }
        return line
    }

    func signal(_ sig: Int32) { kill(pid, sig) }
}
