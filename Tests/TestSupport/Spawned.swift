import Foundation
import ModuleRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A child process for the tests, started with `posix_spawn` and reaped by a thread of its own.
///
/// Not Foundation's `Process`: on Linux it learns of an exit through a socket the child
/// inherits, so any grandchild that inherits the socket too (a plugin the daemon launched, a
/// browser's helper) hides the child's exit for as long as it lives; and its `waitUntilExit`
/// spins a run loop on whatever thread calls it. Here the child gets exactly 0, 1 and 2 (every
/// other descriptor is closed in the child by `closefrom`), and the exit is seen by `waitpid`.
public final class Spawned: @unchecked Sendable {
    /// Where the child's stdout or stderr goes.
    public enum Output: Sendable {
        case null
        /// A file, truncated first unless `append`.
        case file(String, append: Bool = false)
        /// A pipe whose read end the caller reads (`stdout` / `stderr`).
        case pipe
    }

    public let pid: pid_t
    /// The read ends of `.pipe` outputs.
    public let stdout: FileHandle?
    public let stderr: FileHandle?
    /// The write end of the child's stdin when asked for (`stdinPipe`); else stdin is /dev/null.
    public let stdin: FileHandle?
    public let command: String

    private let lock = NSLock()
    private var status: Int32?

    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                directory: String? = nil, stdout out: Output = .null, stderr err: Output = .null,
                stdinPipe: Bool = false) throws {
        let command = ([executable] + arguments).joined(separator: " ")
        self.command = command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentCloses: [Int32] = []
        defer { for fd in parentCloses { close(fd) } }

        func open(_ output: Output, as target: Int32) throws -> FileHandle? {
            switch output {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
                return nil
            case .file(let path, let append):
                let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
                guard fd >= 0 else { throw SpawnError(command: command, reason: "cannot open \(path): \(String(cString: strerror(errno)))") }
                parentCloses.append(fd)
                posix_spawn_file_actions_adddup2(&actions, fd, target)
                return nil
            case .pipe:
                var fds: [Int32] = [0, 0]
                guard makePipe(&fds) else { throw SpawnError(command: command, reason: "pipe: \(String(cString: strerror(errno)))") }
                parentCloses.append(fds[1])
                posix_spawn_file_actions_adddup2(&actions, fds[1], target)
                return FileHandle(fileDescriptor: fds[0], closeOnDealloc: true)
            }
        }
        var input: FileHandle?
        if stdinPipe {
            var fds: [Int32] = [0, 0]
            guard makePipe(&fds) else { throw SpawnError(command: command, reason: "pipe: \(String(cString: strerror(errno)))") }
            parentCloses.append(fds[0])
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            input = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        stdin = input
        stdout = try open(out, as: 1)
        stderr = try open(err, as: 2)
        // Everything else the test process has open stays out of the child.
        SpawnFileActions.closeFrom(&actions, 3)
        if let directory { SpawnFileActions.changeDirectory(&actions, directory) }

        var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { for p in envp { free(p) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, &argv, &envp)
        guard rc == 0 else { throw SpawnError(command: command, reason: String(cString: strerror(rc))) }
        pid = child

        let spawned = child
        let reaper = Thread { [self] in
            var raw: Int32 = 0
            while waitpid(spawned, &raw, 0) < 0 && errno == EINTR {}
            // A death by signal reads as the negated signal number, never as a clean 0.
            let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : -(raw & 0x7f)
            lock.withLock { status = code }
        }
        reaper.start()
    }

    public var isRunning: Bool { lock.withLock { status == nil } }
    /// The exit status once it has exited: the exit code, or the negated signal that ended it.
    public var exitStatus: Int32? { lock.withLock { status } }

    /// Sends `sig` if the child is still running.
    public func signal(_ sig: Int32) {
        if isRunning { kill(pid, sig) }
    }

    /// Waits (polling, never blocking a thread) for the exit, at most `limit`; nil if still running.
    public func wait(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while true {
            if let s = exitStatus { return s }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// SIGTERM, up to `grace` for the exit, then SIGKILL. Returns the exit status (-9 when it
    /// had to be killed; nil only if even SIGKILL did not end it within 10 s).
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Int32? {
        signal(SIGTERM)
        if let s = await wait(within: grace) { return s }
        signal(SIGKILL)
        return await wait(within: .seconds(10))
    }

    /// SIGKILL without waiting: for `defer` and `deinit`, so a failed test leaves nothing running.
    public func kill9() { signal(SIGKILL) }
}

/// A pipe whose ends close on exec (glibc's `pipe2` is not exported to Swift). The ends are
/// only ever handed to children through `dup2`, which clears the flag on the copy.
private func makePipe(_ fds: inout [Int32]) -> Bool {
    guard pipe(&fds) == 0 else { return false }
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return true
}

public struct SpawnError: Error, CustomStringConvertible {
    public let command: String
    public let reason: String
    public var description: String { "cannot start \(command): \(reason)" }
}
