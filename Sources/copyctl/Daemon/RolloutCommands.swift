import ArgumentParser
import Calculators
import Coordinator
import CopyTradeCore
import CopyTradeProto

/// `copyctl rollout set FILE | show`: the margin-sync rollout phases (SPEC §5, gradual
/// rollout; docs/sizing-and-sync.md).
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rollout", abstract: "Show or replace the margin-sync rollout phases.",
                                                    subcommands: [Set.self, Show.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the rollout phases with a rollout file's (journaled: a restart keeps them).",
            discussion: "FILE is YAML with phases: (see examples/rollout-spanish-markets.yaml). The coordinator checks the "
                + "phases and refuses the whole file, naming the field (phases[1].share), when one is wrong. There is no --at: "
                + "the phases' own starts say when they apply.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Idempotency key: repeating a command with the same key applies it once.") var key: String?
        @Argument(help: "The rollout file.") var file: String

        func run() async throws {
            var r = Copytrade_V1_SetRolloutRequest()
            do {
                r.key = key ?? ""
                // Only the file's form is read here; the coordinator decides whether the plan is valid.
                r.phases = try RolloutFile.load(path: file)
            } catch { throw Output.fail(error, json: global.json) }
            try await submit(global, "SetRollout", r)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the rollout phases in force and where they come from.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await runReporting(json: global.json) {
                let v: Copytrade_V1_RolloutView = try await withControl(global) { try await $0.call("GetRollout", Copytrade_V1_GetRolloutRequest()) }
                if global.json {
                    print(RolloutViews.view(v).json)
                } else {
                    print(RolloutViews.text(v))
                }
            }
        }
    }
}

/// `rollout show` as JSON fields or a table.
enum RolloutViews {
    static func view(_ v: Copytrade_V1_RolloutView) -> CalcOutput {
        var o = CalcOutput()
        o.add("source", v.source)
        if v.source == "set" {
            o.add("setAt", UTCTime.format(v.setMs))
            o.add("setKey", v.setKey)
        }
        o.add("now", UTCTime.format(v.nowMs))
        o.add("phases", .list(v.phases.map { phase($0, now: v.nowMs) }))
        return o
    }

    static func phase(_ p: Copytrade_V1_RolloutPhase, now: Int64) -> CalcOutput {
        var o = CalcOutput()
        o.add("name", p.name)
        o.add("start", UTCTime.format(p.startsMs))
        o.add("startMs", .integer(p.startsMs))
        let markets = RolloutPhases.markets(of: p), regions = RolloutPhases.regions(of: p)
        if !markets.isEmpty { o.add("markets", markets.joined(separator: ",")) }
        if !regions.isEmpty { o.add("regions", regions.joined(separator: ",")) }
        if let share = RolloutPhases.share(of: p) { o.add("share", share) }
        if p.rule == .everyone { o.add("everyone", true) }
        o.add("started", p.startsMs <= now)
        return o
    }

    /// Who a phase covers, in words: `share 0.25 of markets ES, MX`.
    static func covers(_ p: Copytrade_V1_RolloutPhase) -> String {
        var parts: [String] = []
        if let share = RolloutPhases.share(of: p) { parts.append("share \(share) of traders") }
        let markets = RolloutPhases.markets(of: p), regions = RolloutPhases.regions(of: p)
        if !markets.isEmpty { parts.append("markets " + markets.joined(separator: ", ")) }
        if !regions.isEmpty { parts.append("regions " + regions.joined(separator: ", ")) }
        if p.rule == .everyone { parts.append("everyone") }
        return parts.joined(separator: " in ")
    }

    static func text(_ v: Copytrade_V1_RolloutView) -> String {
        let source = v.source == "set"
            ? "set at run time (key \(v.setKey), \(UTCTime.format(v.setMs)))"
            : "the configuration (engine.rollout, default: everyone)"
        var out = "rollout phases from \(source); now \(UTCTime.format(v.nowMs))\n"
        if v.phases.isEmpty { return out + "no phases: no trader is eligible for margin sync" }
        var rows = [["PHASE", "START", "STATUS", "COVERS"]]
        for p in v.phases {
            rows.append([p.name, UTCTime.format(p.startsMs), p.startsMs <= v.nowMs ? "started" : "pending", covers(p)])
        }
        return out + Table.render(rows)
    }
}
