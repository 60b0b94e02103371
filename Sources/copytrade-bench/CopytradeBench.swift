import ArgumentParser
import Foundation

/// The benchmarks behind `make bench` and BENCHMARKS.md.
@main
struct CopytradeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copytrade-bench",
        abstract: "CopyTrade benchmarks: ttrpc latency, domain decisions, coordinator throughput.",
        discussion: "Build with -c release. Each subcommand prints a table; --json prints one JSON object per row.",
        subcommands: [TTRPCCommand.self, DomainCommand.self, CoordinatorCommand.self, PostgresCommand.self, AllCommand.self])
}

struct CommonOptions: ParsableArguments {
    @Flag(help: "Print one JSON object per benchmark row instead of tables.") var json = false

    var commandLine: String { CommandLine.arguments.joined(separator: " ") }
}

struct TTRPCOptions: ParsableArguments {
    @Option(help: "Measured calls per case (the same for every implementation).") var calls = 50_000
    @Option(help: "Payload bytes of each echo call.") var payload = 64
    @Option(help: "The Go interop peer (tools/interop/build.sh builds it).") var peer = "tools/interop/bin/ttrpc-peer"
    @Option(help: "copytrade-module executable (default: next to copytrade-bench).") var moduleBin: String?
}

struct DomainOptions: ParsableArguments {
    @Option(help: "Sizing decisions to time.") var sizing = 3_000_000
    @Option(help: "Liquidation prices to time.") var liquidation = 2_000_000
    @Option(help: "Sync decisions to time.") var sync = 3_000_000
    @Option(help: "Items per batch for the wire-level (module handler) rows.") var batch = 10_000
}

struct CoordinatorOptions: ParsableArguments {
    @Option(help: "Copier counts for the fan-out benchmark, comma separated.") var fanout = "10000,100000"
    @Option(help: "Copiers for the margin-sync benchmark.") var syncCopiers = 100_000
    @Option(help: "Open-position counts for the tick benchmark, comma separated.") var positions = "10000,100000,1000000"
    @Option(help: "Mark ticks timed per position count (in-memory engine).") var ticks = 200_000
    @Option(help: "Mark ticks timed per position count through the sequencer and journal.") var journaledTicks = 20_000
    @Option(help: "Deposits for the journaled-inputs benchmark.") var deposits = 100_000
    @Option(help: "Concurrent submissions (setup, ticks, deposits).") var concurrency = 1_024
    @Option(help: "Open positions (copiers of one trader) for the memory and recovery benchmark (issue 13: 1,000,000).")
    var memoryPositions = 1_000_000
    @Flag(help: "With the memory part: also measure each part of the state alone (about 40 s more at 1,000,000 on 2 cores).")
    var memoryBreakdown = false
    @Option(help: "Parts to run: fanout,sync,ticks,deposits,memory.") var only = "fanout,sync,ticks,deposits,memory"

    var fanoutSizes: [Int] { fanout.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var positionSizes: [Int] { positions.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var parts: Set<String> { Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
}

struct TTRPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ttrpc", abstract: "Unary round-trip latency over a Unix socket: ours vs the Go reference (containerd/ttrpc).")
    @OptionGroup var common: CommonOptions
    @OptionGroup var options: TTRPCOptions

    func run() async throws {
        Machine.current().print(json: common.json, command: common.commandLine)
        try await TTRPCBench(options: options, json: common.json).run()
    }
}

struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain", abstract: "Single-core in-process decisions/s: sizing, liquidation price, margin sync.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var options: DomainOptions

    func run() async throws {
        Machine.current().print(json: common.json, command: common.commandLine)
        try await DomainBench(options: options, json: common.json).run()
    }
}

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Sequencer + engine + SQLite journal: fan-out, margin sync, mark ticks, journaled inputs, memory and recovery.")
    @OptionGroup var common: CommonOptions
    @OptionGroup var options: CoordinatorOptions

    func run() async throws {
        Machine.current().print(json: common.json, command: common.commandLine)
        try await CoordinatorBench(options: options, json: common.json).run()
    }
}

struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all", abstract: "Every benchmark with default sizes (about 5 minutes on 2 cores).")
    @OptionGroup var common: CommonOptions
    @OptionGroup var ttrpc: TTRPCOptions
    @OptionGroup var domain: DomainOptions
    @OptionGroup var coordinator: CoordinatorOptions
    @OptionGroup var postgres: PostgresOptions

    func run() async throws {
        let start = nowNanos()
        Machine.current().print(json: common.json, command: common.commandLine)
        try await TTRPCBench(options: ttrpc, json: common.json).run()
        try await DomainBench(options: domain, json: common.json).run()
        try await CoordinatorBench(options: coordinator, json: common.json).run()
        try await PostgresBench(options: postgres, json: common.json).run()
        if common.json {
            var o = JSONObject()
            o.set("bench", .string("all"))
            o.set("seconds", .double(seconds(since: start)))
            print(o.text)
        } else {
            print("\nTotal: \(fmt(seconds(since: start), 1)) s")
        }
    }
}
