import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A program serving on a Unix socket for a test: a `copytrade-module`, the C plugin, a
/// misbehaving plugin. Ready when it prints the plugin handshake line
/// (`COPYTRADE-PLUGIN|1|unix|PATH`) or, for programs that print nothing, when the socket exists.
public final class ListeningChild: Sendable {
    public enum Readiness: Sendable {
        case handshakeLine
        case socketFile
    }

    public let child: Spawned
    public let socket: String

    private init(child: Spawned, socket: String) {
        self.child = child
        self.socket = socket
    }

    /// A fresh socket path under /tmp, well below the 108-byte `sun_path` limit.
    public static func socketPath(_ tag: String) -> String {
        "/tmp/ct-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
    }

    /// Starts `executable` and waits, at most `limit`, until it is ready; a program that is
    /// not ready in time is killed and the error says what it printed.
    public static func start(_ executable: String, _ arguments: [String], socket: String, readiness: Readiness,
                             within limit: Duration = .seconds(15)) async throws -> ListeningChild {
        switch readiness {
        case .handshakeLine:
            let child = try Spawned(executable, arguments, stdout: .pipe)
            let (_, line) = await ChildProcess.waitForLine("\n", on: child.stdout!, within: limit)
            guard line.hasPrefix("COPYTRADE-PLUGIN|1|unix|\(socket)") else {
                child.kill9()
                throw ListenerStartError(command: child.command, detail: "no handshake line; it printed: \(line)")
            }
            return ListeningChild(child: child, socket: socket)
        case .socketFile:
            let child = try Spawned(executable, arguments)
            let deadline = ContinuousClock.now.advanced(by: limit)
            while !FileManager.default.fileExists(atPath: socket) {
                guard child.isRunning, ContinuousClock.now < deadline else {
                    child.kill9()
                    throw ListenerStartError(command: child.command, detail: "did not create \(socket)")
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            return ListeningChild(child: child, socket: socket)
        }
    }

    public var address: String { "unix:\(socket)" }

    /// SIGTERM, then SIGKILL after `grace`; the exit status (-9 when it had to be killed).
    @discardableResult
    public func stop(grace: Duration = .seconds(5)) async -> Int32? { await child.stop(grace: grace) }

    /// SIGKILL without waiting, for `defer`: nothing outlives a failed test.
    public func kill() {
        child.kill9()
        unlink(socket)
    }
}

public struct ListenerStartError: Error, CustomStringConvertible {
    public let command: String
    public let detail: String
    public var description: String { "\(command) did not start: \(detail)" }
}
