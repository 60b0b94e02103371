import Coordinator
import CopyTradeCore
import CopyTradeProto
import Yams

extension ScenarioParser {
    /// Phase starts in a scenario may also be scenario times (`0s`, `4368h`: after
    /// ``Scenario/epochMs``), besides dates, ISO 8601 times and ms since the epoch.
    static let rolloutTime: RolloutFile.TimeReader = { text in ScenarioTime.parse(text).map { Scenario.epochMs + $0 } }
}

extension ParseContext {
    /// `do: rollout`: the phases inline (`phases:`) or a rollout file (`file:`, relative to the
    /// scenario), checked now by the coordinator's own rules so a bad plan is refused before the
    /// run, with the scenario's line.
    func rollout(_ f: YAMLFields) throws(ScenarioError) -> [Copytrade_V1_RolloutPhase] {
        let inline = f["phases"], file = f["file"]
        let path = try file.map { v throws(ScenarioError) in resolve(try v.string()) }
        let at = inline ?? file ?? f.value
        do throws(DomainError) {
            switch (inline, path) {
            case (let list?, nil):
                let phases = try RolloutFile.list(list.node, field: "phases", time: ScenarioParser.rolloutTime)
                try RolloutPhases.validate(phases)
                return phases
            case (nil, let full?):
                let phases = try RolloutFile.load(path: full, prefix: "\(full): ", time: ScenarioParser.rolloutTime)
                try RolloutPhases.validate(phases, field: "\(full): phases")
                return phases
            case (nil, nil): throw DomainError.invalid("phases", "needs phases: (a list) or file: (a rollout file)")
            default: throw DomainError.invalid("file", "has both phases: and file:; choose one")
            }
        } catch {
            // A mistake inside a rollout file names that file: `actions[3].file: /x/r.yaml: phases[1].share`.
            let inFile = path != nil && error.field.hasPrefix(path!)
            throw ScenarioError(file: f.value.file, line: at.line,
                                path: "\(f.value.path).\(inFile ? "file: " : "")\(error.field)", rule: error.message)
        }
    }
}
