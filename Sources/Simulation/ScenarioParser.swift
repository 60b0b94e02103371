import Coordinator
import CopyTradeCore
import Foundation
import Margin
import Pricing
import Yams

/// Reads and validates a scenario file (docs/scenarios.md). Every mistake is refused here, before
/// anything runs, with the file, the line and key path, and the rule broken.
public enum ScenarioParser {
    static let topKeys = ["name", "description", "markets", "engine", "modules", "accounts", "follows", "marks", "actions"]

    /// Loads `path`; relative paths inside (market file, CSV, plugins) are resolved against its folder.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(file: path, line: 0, path: "", rule: "cannot read the file")
        }
        if data.count > ScenarioLimits.maxFileBytes {
            throw ScenarioError(file: path, line: 0, path: "", rule: ScenarioLimits.rule("the file's size in bytes", limit: ScenarioLimits.maxFileBytes, got: data.count))
        }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(String(decoding: data, as: UTF8.self), file: path, base: base.isEmpty ? "." : base)
    }

    public static func parse(_ text: String, file: String, base: String) throws(ScenarioError) -> Scenario {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ScenarioError(file: file, line: yamlErrorLine(error), path: "", rule: "is not valid YAML: \(error)")
        }
        guard let node else { throw ScenarioError(file: file, line: 0, path: "", rule: "is empty") }
        try YAMLDuplicateKeys.check(node, file: file)
        let root = try YAMLFields(YAMLValue(node: node, path: "", file: file), allowed: topKeys)
        var context = ParseContext(file: file, base: base)
        let defaultName = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        var scenario = Scenario(name: try root["name"]?.string() ?? defaultName, file: file)
        guard scenario.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !scenario.name.isEmpty else {
            throw (root["name"] ?? root.value).error("must be letters, digits, -, _ or . (it names the out folder)")
        }
        // Free text, but one value: a list or a mapping here is a mistake, not a description.
        scenario.description = try root["description"]?.string() ?? ""
        scenario.market = try context.market(root["markets"])
        context.market = scenario.market
        (scenario.engine, scenario.routes) = try context.routing(engine: root["engine"], modules: root["modules"])
        scenario.accounts = try context.accounts(root.required("accounts"))
        var actions: [ScriptedAction] = []
        if let follows = root["follows"] { actions += try context.follows(follows) }
        scenario.marks = try context.marks(root["marks"])
        context.markedSymbols = Set(scenario.marks.keys)
        if let list = root["actions"] { actions += try context.actions(list) }
        scenario.actions = actions
        try ScenarioLimits.check(scenario)
        return scenario
    }

    static func yamlErrorLine(_ error: any Error) -> Int {
        if let e = error as? YamlError {
            switch e {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
            default: return 0
            }
        }
        return 0
    }
}

/// What the sections read so far tell the later ones (accounts for follows, symbols for actions).
struct ParseContext {
    let file: String
    let base: String
    var market: Market = .builtIn
    var accounts: [String: AccountRole] = [:]
    var markedSymbols: Set<String> = []

    func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path) }

    func symbol(_ v: YAMLValue) throws(ScenarioError) -> String {
        let s = try v.string()
        guard market.contains(s) else {
            throw v.error("unknown symbol \"\(s)\" (the market has \(market.symbols.joined(separator: ", ")))")
        }
        return s
    }

    func account(_ v: YAMLValue, role: AccountRole? = nil) throws(ScenarioError) -> String {
        let id = try v.string()
        guard let r = accounts[id] else { throw v.error("no account \"\(id)\"") }
        if let role, r != role { throw v.error("\"\(id)\" is a \(r.rawValue), not a \(role.rawValue)") }
        return id
    }

    /// `engine:` and `modules:` are the coordinator config's own sections, read by its parser.
    func routing(engine: YAMLValue?, modules: YAMLValue?) throws(ScenarioError) -> (EngineConfig, [ModuleName: ModuleRoute]) {
        var pairs: [(Node, Node)] = []
        if let engine { pairs.append((Node("engine"), engine.node)) }
        if let modules { pairs.append((Node("modules"), modules.node)) }
        guard !pairs.isEmpty else { return (EngineConfig(), [:]) }
        let parsed: RoutingFile
        do {
            let text = try Yams.serialize(node: Node.mapping(Node.Mapping(pairs)))
            parsed = try RoutingFile.parse(text, base: base, file: file, time: ScenarioParser.rolloutTime)
        } catch let e as DomainError {
            let path = e.field.hasPrefix("\(file): ") ? String(e.field.dropFirst(file.count + 2)) : e.field
            throw ScenarioError(file: file, line: line(of: path, engine: engine, modules: modules), path: path, rule: e.message)
        } catch {
            throw ScenarioError(file: file, line: engine?.line ?? modules?.line ?? 0, path: "engine", rule: "\(error)")
        }
        // Looked up by name, whatever other keys the section has (its own parser checked them).
        if let engine, let preset = engine.node.mapping?.first(where: { $0.key.string == "preset" }) {
            let presetNode = engine.child("preset", preset.value)
            do { _ = try MarginPreset(parsing: parsed.engine.preset, field: "engine.preset") } catch { throw presetNode.error(error.message) }
        }
        return (parsed.engine, parsed.routes)
    }

    /// The line of `engine.x` / `modules.y.z` in the original file.
    func line(of path: String, engine: YAMLValue?, modules: YAMLValue?) -> Int {
        let parts = path.split(separator: ".").map(String.init)
        guard let first = parts.first else { return 0 }
        var node: Node? = first == "engine" ? engine?.node : first == "modules" ? modules?.node : nil
        var line = node?.mark?.line ?? 0
        for part in parts.dropFirst() {
            let key = part.split(separator: "[").first.map(String.init) ?? part
            guard let m = node?.mapping, let entry = m.first(where: { $0.key.string == key }) else { break }
            line = entry.key.mark?.line ?? line
            node = entry.value
            // `rollout[1]`: the list's item.
            if let open = part.firstIndex(of: "["), let i = Int(part[part.index(after: open)...].dropLast()),
               let items = node?.sequence, items.indices.contains(i) {
                node = items[i]
                line = items[i].mark?.line ?? line
            }
        }
        return line
    }

    mutating func accounts(_ v: YAMLValue) throws(ScenarioError) -> [AccountSetup] {
        var out: [AccountSetup] = []
        for item in try v.sequence() {
            let f = try YAMLFields(item, allowed: ["id", "role", "deposit", "depositStep", "region", "market", "count",
                                                   "profitShareRatio", "maxCopiers"])
            let idNode = try f.required("id")
            let id = try idNode.string()
            let role: AccountRole = try f.required("role").oneOf(["trader", "copier"]) == "trader" ? .trader : .copier
            // Trader settings, applied in the set-up (a `setAccount` input) after funding.
            for key in ["profitShareRatio", "maxCopiers"] where role == .copier {
                if let v = f[key] { throw v.error("only a trader account takes \(key) (this one is a copier)") }
            }
            let ratio = try f["profitShareRatio"].map { v throws(ScenarioError) in try profitShareRatio(v) }
            let maxCopiers = try f["maxCopiers"].map { v throws(ScenarioError) in try Self.maxCopiers(v) }
            let deposit = try f["deposit"]?.decimal() ?? .zero
            if deposit.isNegative { throw f["deposit"]!.error("must not be negative") }
            let step = try f["depositStep"]?.decimal() ?? .zero
            let count = try f["count"]?.int(1...ScenarioLimits.maxAccounts)
            try ScenarioLimits.checkCount(out.count + (count ?? 1), limit: ScenarioLimits.maxAccounts,
                                          what: "accounts (count: expanded)", at: f["count"] ?? idNode)
            let region = try f["region"]?.string() ?? "", market = try f["market"]?.string() ?? ""
            let ids = count.map { n in (1...n).map { "\(id)\($0)" } } ?? [id]
            for (i, one) in ids.enumerated() {
                do { _ = try AccountID(validating: one, field: "id") } catch { throw idNode.error(error.message) }
                guard accounts[one] == nil else { throw idNode.error("account \"\(one)\" is defined twice") }
                accounts[one] = role
                var amount = deposit
                if !step.isZero {
                    do { amount = try deposit + step.multiplied(by: Decimal8(i), rounding: .towardZero) } catch {
                        throw item.error("depositStep: \(error.message)")
                    }
                }
                out.append(AccountSetup(id: one, role: role, deposit: amount, region: region, market: market,
                                        profitShareRatio: ratio, maxCopiers: maxCopiers))
            }
        }
        return out
    }
}
