import ArgumentParser

/// Options every copyctl command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The coordinator's control socket.")
    var socket: String = "./.copytrade/copytrade.sock"

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false
}
