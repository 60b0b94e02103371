import Foundation
import Logging
import PostgresNIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for the tests (issue 11's "real PostgreSQL server"): made by
/// `initdb` in a temporary folder, served by `postgres` on a Unix socket in that folder (no TCP
/// port, so it cannot clash with a system cluster or another test run), stopped and removed
/// when the test process exits.
///
/// One per test process, started by the first suite that asks (`shared()`); suites isolate
/// themselves with databases (`createDatabase`) or shard numbers of their own. The binaries
/// come from Debian's `postgresql` package, which `make test` installs; without them every
/// PostgreSQL test fails saying so, never skips. As root (the tests' CI), the server runs as
/// the `postgres` user through `setpriv` (initdb refuses root; setpriv execs, so the child we
/// watch is the server itself). The postmaster is our child in our session, so if the test
/// process dies tools/swift-test's leftover sweep still stops it.
public final class PostgresServer: Sendable {
    /// The folder holding the cluster (`data/`), the socket and the server's log.
    public let directory: String
    public let port = 54329
    public let user = "postgres"
    private let server: Spawned

    private init(directory: String, server: Spawned) {
        self.directory = directory
        self.server = server
    }

    /// The process's cluster, started on first use.
    public static func shared() async throws -> PostgresServer {
        try await starter.server()
    }

    /// Where clients connect: `directory/.s.PGSQL.port`.
    public var socketPath: String { "\(directory)/.s.PGSQL.\(port)" }
    public var logPath: String { "\(directory)/postgres.log" }

    public func clientConfiguration(database: String) -> PostgresClient.Configuration {
        PostgresClient.Configuration(unixSocketPath: socketPath, username: user, password: nil, database: database)
    }

    public func connectionConfiguration(database: String) -> PostgresConnection.Configuration {
        PostgresConnection.Configuration(unixSocketPath: socketPath, username: user, password: nil, database: database)
    }

    /// Creates an empty database of its own for a test: `prefix_N`.
    public func createDatabase(_ prefix: String) async throws -> String {
        let name = "\(prefix.lowercased())_\(Self.databaseCounter.add(1, ordering: .relaxed).newValue)"
        let connection = try await PostgresConnection.connect(
            configuration: connectionConfiguration(database: "postgres"), id: 1, logger: Self.quiet)
        do {
            try await connection.query("CREATE DATABASE \(unescaped: name)", logger: Self.quiet)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        return name
    }

    /// Runs `body` with a client of `database` whose `run()` goes on for exactly as long.
    public func withClient<T: Sendable>(database: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: clientConfiguration(database: database))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    static let quiet = Logger(label: "postgres-server") { _ in SwiftLogNoOpLogHandler() }
    private static let databaseCounter = Atomic<Int>(0)
    private static let starter = Starter()

    /// Starts the cluster once; every caller awaits the same start (and the same failure).
    private actor Starter {
        private var start: Task<PostgresServer, any Error>?

        func server() async throws -> PostgresServer {
            if start == nil { start = Task { try await PostgresServer.start(fsync: false) } }
            return try await start!.value
        }
    }

    /// A cluster of the caller's own (not the shared one), stopped by `stop()` or at exit:
    /// `copytrade-bench postgres` uses it with `fsync: true` (PostgreSQL's normal durability:
    /// fsync and full_page_writes on); `fsync: false` is the tests' setting.
    public static func start(fsync: Bool) async throws -> PostgresServer {
        let bin = try binaries()
        var template = Array("/tmp/ct-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresServerError("mkdtemp: \(String(cString: strerror(errno)))") }
        let directory = String(cString: made)
        let runAs = try runAsPrefix(owning: directory)
        let data = "\(directory)/data"
        let initdb = try await ChildProcess.run(
            runAs.executable, runAs.arguments + ["\(bin)/initdb", "-D", data, "--auth=trust", "-U", "postgres",
                                                 "-E", "UTF8", "--locale=C", "--no-sync"],
            timeLimit: .seconds(120))
        guard initdb.status == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw PostgresServerError("initdb failed: \(initdb)")
        }
        // fsync off for the tests: a throwaway cluster that no test crashes; the tests kill
        // clients and sessions, never the server.
        let durability = fsync ? ["-c", "fsync=on", "-c", "full_page_writes=on"]
            : ["-c", "fsync=off", "-c", "full_page_writes=off"]
        let server = try Spawned(
            runAs.executable,
            runAs.arguments + ["\(bin)/postgres", "-D", data, "-k", directory, "-p", "54329",
                               "-c", "listen_addresses="] + durability + ["-c", "max_connections=300"],
            stdout: .file("\(directory)/postgres.log"), stderr: .file("\(directory)/postgres.log", append: true))
        let instance = PostgresServer(directory: directory, server: server)
        running.withLock { $0.append((server, directory)) }
        if !registeredExit.exchange(true, ordering: .relaxed) {
            atexit { PostgresServer.stopAll() }
        }
        try await instance.waitUntilReady(within: .seconds(60))
        return instance
    }

    /// Ready once the postmaster writes "ready" into `postmaster.pid`, as `pg_ctl -w` waits.
    private func waitUntilReady(within limit: Duration) async throws {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while true {
            let pidFile = (try? String(contentsOfFile: "\(directory)/data/postmaster.pid", encoding: .utf8)) ?? ""
            if pidFile.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "ready" }) {
                return
            }
            guard server.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                server.kill9()
                throw PostgresServerError("postgres did not start (exit \(server.exitStatus.map(String.init) ?? "none")): \(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The newest installed server's bin folder (`COPYTRADE_POSTGRES_BIN` overrides it).
    private static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let candidates: [String]
        if let bin = ProcessInfo.processInfo.environment["COPYTRADE_POSTGRES_BIN"] {
            candidates = [bin]
        } else {
            candidates = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
                .compactMap(Int.init).sorted(by: >).map { "\(root)/\($0)/bin" }
        }
        for bin in candidates where ["initdb", "postgres"].allSatisfy({
            FileManager.default.isExecutableFile(atPath: "\(bin)/\($0)")
        }) {
            return bin
        }
        throw PostgresServerError(
            "the PostgreSQL server is not installed (no initdb and postgres in \(candidates.isEmpty ? root + "/*/bin" : candidates.joined(separator: ", "))): "
                + "`make test` installs Debian's `postgresql` package; or run `tools/ensure-packages postgresql`")
    }

    /// As root: `setpriv` to the `postgres` user (who then owns the folder); else nothing.
    private static func runAsPrefix(owning directory: String) throws -> (executable: String, arguments: [String]) {
        guard getuid() == 0 else { return ("/usr/bin/env", []) }
        guard let account = getpwnam("postgres") else {
            throw PostgresServerError("running as root, and there is no `postgres` user to run the server as")
        }
        let uid = account.pointee.pw_uid, gid = account.pointee.pw_gid
        guard chown(directory, uid, gid) == 0 else {
            throw PostgresServerError("chown \(directory): \(String(cString: strerror(errno)))")
        }
        return ("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"])
    }

    private static let running = Mutex<[(Spawned, String)]>([])
    private static let registeredExit = Atomic<Bool>(false)

    /// A fast shutdown (SIGINT), SIGKILL after 10 s, then the folder goes. For a cluster from
    /// `start(fsync:)`; the shared one stops at exit.
    public func stop() async {
        let pid = server.pid
        Self.running.withLock { $0.removeAll { $0.0.pid == pid } }
        server.signal(SIGINT)
        if await server.wait(within: .seconds(10)) == nil {
            server.kill9()
            _ = await server.wait(within: .seconds(10))
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// At exit: a fast shutdown (SIGINT), SIGKILL after 10 s, then the folder goes.
    private static func stopAll() {
        let servers = running.withLock { servers in
            defer { servers = [] }
            return servers
        }
        for (server, directory) in servers {
            server.signal(SIGINT)
            var waited = 0
            while server.isRunning && waited < 1_000 {
                usleep(10_000)
                waited += 1
            }
            server.kill9()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
