@testable import Coordinator
import Foundation
import Journal
import Logging
import Pricing
import PostgresNIO
import PostgresJournal
import Testing
import TTRPC

/// What a member of a PostgreSQL cluster checks before touching PostgreSQL (docs/decisions.md,
/// "PostgreSQL"): the URL forms it accepts, and that a standby forwards every control method.
@Suite("Cluster options")
struct ClusterOptionsTests {
    @Test("libpq URLs: a Unix socket folder or TCP, with defaults")
    func urls() throws {
        let socket = try PostgresURL(parsing: "postgres://app@/trading?host=/run/pg&port=54329")
        #expect(socket.endpoint == .unix(path: "/run/pg/.s.PGSQL.54329"))
        #expect(socket.user == "app" && socket.database == "trading" && socket.password == nil)
        let tcp = try PostgresURL(parsing: "postgresql://app:p%40ss@db.example:6432/trading")
        #expect(tcp.endpoint == .tcp(host: "db.example", port: 6432))
        #expect(tcp.password == "p@ss")
        #expect(!tcp.description.contains("p@ss"))
        let v6 = try PostgresURL(parsing: "postgresql://app@[::1]/x?sslmode=disable")
        #expect(v6.endpoint == .tcp(host: "::1", port: 5432))
        let defaults = try PostgresURL(parsing: "postgres://app@")
        #expect(defaults.endpoint == .unix(path: "/var/run/postgresql/.s.PGSQL.5432") && defaults.database == "app")
    }

    @Test("malformed URLs are refused naming --postgres, never printing the password")
    func malformed() {
        for text in ["mysql://a@b/c", "postgres//a@b/c", "postgresql://a:secret@h:99999/db", "postgres://a@h/db?sslmode=require",
                     "postgres://a@h/db?bogus=1", "postgres://a@h/db/extra", "postgres://a@h%20x/db"] {
            #expect(throws: ClusterError.self) { try PostgresURL(parsing: text) }
            do {
                _ = try PostgresURL(parsing: text)
            } catch {
                #expect(error.code == .badURL && error.exitStatus == 64)
                #expect(error.message.hasPrefix("--postgres: ") && !error.message.contains("secret"), "\(error.message)")
            }
        }
    }

    @Test("a standby forwards every method of the control service")
    func forwarderCoversControl() async throws {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let sequencer = try await Sequencer(engine: Engine(modules: .inProcess()), store: InMemoryJournalStore(),
                                            logger: logger)
        let host = PluginHost(market: Market.builtIn, logger: logger)
        let control = ServiceDefinition.control(sequencer, modules: ModuleControl(host: host, sequencer: sequencer)) {
            .init()
        }
        let forwarded = Set(MemberMethods.unaryMethods + ["Watch", "Shards"])
        // `Shards` is added by the daemon (it needs PostgreSQL), the rest by `control`.
        #expect(forwarded == Set(control.methodNames + ["Shards"]))
        // A member's router serves each of them too (routed or fanned out); no connection is
        // made to build it.
        let client = PostgresClient(configuration: .init(unixSocketPath: "/nonexistent/.s.PGSQL.5432", username: "u", password: nil, database: nil),
                                    backgroundLogger: logger)
        let router = ShardRouter(count: 8, catalog: ClusterCatalog(client: client, logger: logger), ownAddress: "unix:/x",
                                 token: nil, logger: logger, shards: { .init() }, modules: { .init() })
        #expect(Set(router.service.methodNames) == forwarded)
        await sequencer.shutdown()
    }
}
