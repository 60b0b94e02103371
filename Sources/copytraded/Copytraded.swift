import ArgumentParser
import Coordinator
import Foundation
import Logging
import ServiceLifecycle

/// The coordinator daemon: the single writer of all state, serving the control API on a Unix
/// socket. SIGTERM/SIGINT drain in-flight calls, finish the journal and exit 0.
@main
struct Copytraded: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copytraded", abstract: "The CopyTrade coordinator.")

    @Option(help: "Data directory (journal and snapshots).") var data = "./.copytrade"
    @Option(help: "Control socket path (default: DATA/copytrade.sock).") var socket: String?
    @Option(help: "Configuration file (YAML): engine settings and module routes; see README.") var config: String?
    @Option(help: "Margin model preset: bingx (default), binance, okx, bybit, hyperliquid.") var preset: String?
    @Option(name: .customLong("reorder-window-ms"), help: "Margin-sync reorder window in milliseconds (default 500).") var reorderWindowMs: Int64?
    @Option(name: .customLong("max-signal-delay-ms"), help: "Margin-sync signals older than this are dropped (default 60000).") var maxSignalDelayMs: Int64?
    @Option(help: "Market file (JSON) replacing the built-in markets.") var market: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return h
        }
        let logger = Logger(label: "copytraded")
        var options = DaemonOptions(dataDirectory: data)
        options.socketPath = socket ?? (data as NSString).appendingPathComponent("copytrade.sock")
        if let config {
            do {
                let file = try RoutingFile.load(path: config)
                options.config = file.engine
                options.routes = file.routes
            } catch {
                logger.critical("refusing to start: \(error)")
                throw ExitCode(78)
            }
        }
        if let preset { options.config.preset = preset }
        if let reorderWindowMs { options.config.reorderWindowMs = reorderWindowMs }
        if let maxSignalDelayMs { options.config.maxSignalDelayMs = maxSignalDelayMs }
        options.marketFile = market
        let daemon: Daemon
        do {
            daemon = try await Daemon.start(options, logger: logger)
        } catch {
            logger.critical("refusing to start: \(error)")
            throw ExitCode(70)
        }
        let group = ServiceGroup(services: [daemon], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        try await group.run()
        logger.info("stopped cleanly")
    }
}
