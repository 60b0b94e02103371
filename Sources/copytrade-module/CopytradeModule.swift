import ArgumentParser
import Foundation
import Logging
import Margin
import ModuleRuntime
import Pricing
import ServiceLifecycle
import Sizing
import Sync
import TTRPC

/// Runs one built-in module out of process, behind a ttrpc socket, so the coordinator (or a
/// calculator with `--via`) can reach it exactly as it would reach a plugin.
@main
struct CopytradeModule: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copytrade-module",
        abstract: "Serve one CopyTrade module (pricing, margin, sizing, sync) over ttrpc.")

    @Argument(help: "pricing, margin, sizing, sync, or echo (the interop diagnostic service).") var module: String
    @Option(help: "Address to listen on: unix:PATH or tcp:HOST:PORT. Without it, when launched as a plugin (COPYTRADE_PLUGIN_PROTOCOL=1), serve the connected socket on fd 3.")
    var listen: String?
    @Option(help: "Market file for the pricing module (default: the built-in markets).") var market: String?
    @Option(name: .customLong("log-level")) var logLevel = "info"
    @Option(name: .customLong("tls-cert"), help: "Serve TLS with this certificate chain (PEM, server certificate first).")
    var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "Private key (PEM, unencrypted) of --tls-cert.")
    var tlsKey: String?
    @Option(name: .customLong("tls-ca"), help: "Require client certificates signed by this CA (PEM): mutual TLS.")
    var tlsCA: String?
    @Option(name: .customLong("token-file"), help: "Require 'authorization: Bearer <token>' on every call (health excepted); the token is this file's content.")
    var tokenFile: String?

    func validate() throws {
        guard ["pricing", "margin", "sizing", "sync", "echo"].contains(module) else {
            throw ValidationError("module: must be pricing, margin, sizing, sync or echo, got \"\(module)\"")
        }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if tlsCA != nil, tlsCert == nil {
            throw ValidationError("--tls-ca (mutual TLS) needs --tls-cert and --tls-key")
        }
    }

    /// TLS and token settings from the flags; file problems name the file.
    func serverConfiguration() throws -> TTRPCServerConfiguration {
        var configuration = TTRPCServerConfiguration()
        do {
            if let tlsCert, let tlsKey {
                configuration.tls = try .server(
                    certificateChainFile: tlsCert, privateKeyFile: tlsKey, trustRootsFile: tlsCA,
                    requireClientCertificate: tlsCA != nil)
            }
            configuration.requiredToken = try tokenFile.map { try TTRPCToken.load(fromFile: $0) }
        } catch let error as TTRPCError {
            throw ValidationError(error.message)
        }
        return configuration
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let logger = Logger(label: "copytrade-module.\(module)")
        let inherited = listen == nil && ProcessInfo.processInfo.environment["COPYTRADE_PLUGIN_PROTOCOL"] == "1"
        guard listen != nil || inherited else {
            throw ValidationError("--listen: required unless launched as a plugin with a socket on fd 3 (COPYTRADE_PLUGIN_PROTOCOL=1)")
        }
        var address: TTRPCAddress?
        if let listen {
            do { address = try TTRPCAddress(parsing: listen) } catch { throw ValidationError("--listen: \(error.rule)") }
        }
        let configuration = try serverConfiguration()
        if case .tcp(let host, _)? = address, configuration.tls == nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
            logger.warning("listening on TCP without TLS: traffic (and any token) travels in clear text; see --tls-cert")
        }
        let stop = ShutdownSignal()
        let service: ServiceDefinition
        switch module {
        case "pricing":
            let m = try market.map { try Market(contentsOf: URL(fileURLWithPath: $0)) } ?? Market.builtIn
            service = .pricing(PricingHandler(market: m), onShutdown: stop.fire)
        case "margin": service = .margin(MarginHandler(), onShutdown: stop.fire)
        case "sizing": service = .sizing(SizingHandler(), onShutdown: stop.fire)
        case "sync": service = .sync(SyncHandler(), onShutdown: stop.fire)
        default: service = .interopEcho
        }
        let server = TTRPCServer(address: address, services: [service], configuration: configuration, logger: logger)
        if address != nil {
            let bound = try await server.bind()
            // The plugin handshake line (ARCHITECTURE.md): a launcher reads where to connect.
            switch bound {
            case .unix(let path): print("COPYTRADE-PLUGIN|1|unix|\(path)")
            case .tcp(let host, let port): print("COPYTRADE-PLUGIN|1|tcp|\(host):\(port)")
            }
            FlushStdout.now()
        }
        let runner = ModuleServerService(server: server, stop: stop, inheritedDescriptor: inherited ? 3 : nil)
        // Ending on its own (Shutdown, or the coordinator closing fd 3) is a clean exit, not a failure.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: runner, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        try await group.run()
    }
}

/// Fires once, when a `Shutdown` call asks the module to exit.
final class ShutdownSignal: Sendable {
    let stream: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation
    init() { (stream, continuation) = AsyncStream.makeStream(of: Void.self) }
    @Sendable func fire() { continuation.yield(); continuation.finish() }
}

/// The module's server as a lifecycle service: SIGTERM or a `Shutdown` call drains and stops it.
struct ModuleServerService: Service {
    let server: TTRPCServer
    let stop: ShutdownSignal
    /// A connected socket inherited from a launcher (fd 3), served instead of listening.
    var inheritedDescriptor: CInt?

    func run() async throws {
        let watcher = Task { [server, stop] in
            for await _ in stop.stream {}
            // Draining waits for in-flight calls, the Shutdown call's answer included.
            await server.shutdown()
        }
        defer { watcher.cancel() }
        try await withGracefulShutdownHandler {
            if let fd = inheritedDescriptor {
                try await server.serveConnection(descriptor: fd)
            } else {
                try await server.run()
            }
        } onGracefulShutdown: { [server] in
            Task { await server.shutdown() }
        }
    }
}

/// `print` buffers stdout when it is a pipe; a launcher waits for the handshake line.
enum FlushStdout {
    static func now() {
        #if canImport(Glibc)
        Glibc.fflush(nil)
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif
