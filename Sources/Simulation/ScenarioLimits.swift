import CopyTradeCore

/// What one scenario may ask for (docs/scenarios.md, Limits). A scenario runs a real coordinator
/// step by step and keeps its history in memory for the report, so its cost grows with what it
/// asks for, not with the simulated duration (the clock is driven). Measured with the debug
/// `copyctl` on two cores: 200,000 mark steps took 44 s and 127 MB; 10,000 copiers set up and
/// following took 14 s and 140 MB; 200,000 copied orders took 30 s and 350 MB. The bounds keep a
/// scenario at these limits within about a minute and a few hundred MB; a scenario beyond them
/// is refused before anything runs, naming the field and the limit.
public enum ScenarioLimits {
    /// Accounts, `count:` expanded.
    public static let maxAccounts = 10_000
    /// Copy relations (`follows` entries and `do: follow` actions, `count:` expanded).
    public static let maxFollows = 10_000
    /// Mark points over every symbol (explicit points, random-walk points, CSV rows) plus
    /// scripted actions (follows included): the steps the coordinator runs.
    public static let maxSteps = 100_000
    /// Trader actions times the copiers following that trader: an open, close, margin add or
    /// reduce by a trader with 1,000 followers is 1,000 copied inputs.
    public static let maxCopiedInputs = 100_000
    /// The scenario file and each CSV of candles it reads.
    public static let maxFileBytes = 16 << 20
    /// Values in the YAML document with its aliases expanded (a file of nested aliases can
    /// otherwise stand for billions of values).
    public static let maxYAMLValues = 4_000_000

    /// `accounts (count: expanded) must be at most 10000 per scenario, got 10001; see ...`.
    static func rule(_ what: String, limit: Int, got: Int) -> String {
        "\(what) must be at most \(limit) per scenario, got \(got); see Limits in docs/scenarios.md"
    }

    /// The totals, once every section is read: steps, relations and copied inputs.
    static func check(_ scenario: Scenario) throws(ScenarioError) {
        let points = scenario.marks.values.reduce(0) { $0 + $1.count }
        let steps = points + scenario.actions.count
        if steps > maxSteps {
            throw ScenarioError(file: scenario.file, line: 0, path: "",
                                rule: rule("steps (\(points) mark points + \(scenario.actions.count) actions)", limit: maxSteps, got: steps))
        }
        var followers: [String: Int] = [:]
        var relations = 0
        for a in scenario.actions {
            guard case .follow(let f) = a.kind else { continue }
            relations += 1
            if relations > maxFollows {
                throw ScenarioError(file: scenario.file, line: a.line, path: a.path, rule: rule("copy relations (follows, count: expanded)", limit: maxFollows, got: relations))
            }
            followers[f.trader, default: 0] += 1
        }
        var copied = 0
        for a in scenario.actions {
            let trader: String
            switch a.kind {
            case .open(let account, _, _, _, _, _, _), .close(let account, _, _, _), .adjustMargin(let account, _, _): trader = account
            default: continue
            }
            copied += followers[trader] ?? 0
            if copied > maxCopiedInputs {
                throw ScenarioError(file: scenario.file, line: a.line, path: a.path,
                                    rule: rule("copied inputs (each trader action times the trader's followers, summed up to here)",
                                               limit: maxCopiedInputs, got: copied))
            }
        }
    }

    /// `count:` of accounts or follows, before the ids are made.
    static func checkCount(_ total: Int, limit: Int, what: String, at node: YAMLValue) throws(ScenarioError) {
        if total > limit { throw node.error(rule(what, limit: limit, got: total)) }
    }
}
