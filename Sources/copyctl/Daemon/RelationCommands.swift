import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// `copyctl follow COPIER TRADER ...`: start copying a trader, with every relation setting.
struct Follow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Make a copier follow a trader.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Argument var copier: String
    @Argument var trader: String
    @OptionGroup var settings: RelationSettingOptions
    @Flag(name: .customLong("copy-open-positions"), help: "Also copy the trader's positions open now.") var copyOpenPositions = false

    func run() async throws {
        var r = Copytrade_V1_FollowRequest()
        do {
            r.key = input.keyValue
            r.copierID = copier
            r.traderID = trader
            guard (settings.multiplier == nil) != (settings.fixedMargin == nil) else {
                throw DomainError.invalid("--multiplier", "give exactly one of --multiplier and --fixed-margin")
            }
            r.leverage = 10
            r.marginMode = .isolated
            _ = try settings.apply(to: &r)
            r.copyOpenPositions = copyOpenPositions
            r.atMs = try input.atMs()
        } catch {
            throw Output.fail(error, json: global.json)
        }
        try await submit(global, "Follow", r)
    }
}

/// `copyctl unfollow|pause|resume COPIER TRADER`.
struct RelationChange: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var input: InputOptions
    @Argument var copier: String
    @Argument var trader: String

    /// `closePolicy`: unfollow's `--close-policy` word, when given.
    func send(_ method: String, closePolicy: String? = nil) async throws {
        var r = Copytrade_V1_RelationRequest()
        r.key = input.keyValue
        r.copierID = copier
        r.traderID = trader
        do {
            if let closePolicy { r.closePolicy = try ClosePolicyText.parse(closePolicy, "--close-policy") }
            r.atMs = try input.atMs()
        } catch { throw Output.fail(error, json: global.json) }
        try await submit(global, method, r)
    }
}

struct Unfollow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop copying a trader.",
        discussion: "--close-policy says what happens to open copies: follow (default: they stay linked and close when the trader closes), market (closed at their marks now) or detach (they stay open as the copier's own).")
    @OptionGroup var change: RelationChange
    @Option(name: .customLong("close-policy"), help: "follow (default), market or detach.") var closePolicy: String?
    func run() async throws { try await change.send("Unfollow", closePolicy: closePolicy) }
}

struct Pause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pause a copy relation (new orders are skipped).")
    @OptionGroup var change: RelationChange
    func run() async throws { try await change.send("Pause") }
}

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume a paused copy relation.")
    @OptionGroup var change: RelationChange
    func run() async throws { try await change.send("Resume") }
}
