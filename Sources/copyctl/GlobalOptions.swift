import ArgumentParser
import Foundation

/// Options every copyctl command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The coordinator's control socket (default: $COPYTRADE_SOCKET or ./.copytrade/copytrade.sock).")
    var socket: String = ProcessInfo.processInfo.environment["COPYTRADE_SOCKET"] ?? "./.copytrade/copytrade.sock"

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false
}
