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
        if let presetNode = engine.flatMap({ try? YAMLFields($0, allowed: ["preset", "reorderWindowMs", "maxSignalDelayMs", "autoMarginPolicy", "targetRiskRate", "rollout"]) })?["preset"] {
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
            let f = try YAMLFields(item, allowed: ["id", "role", "deposit", "depositStep", "region", "market", "count"])
            let idNode = try f.required("id")
            let id = try idNode.string()
            let role: AccountRole = try f.required("role").oneOf(["trader", "copier"]) == "trader" ? .trader : .copier
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
                out.append(AccountSetup(id: one, role: role, deposit: amount, region: region, market: market))
            }
        }
        return out
    }

    func follows(_ v: YAMLValue) throws(ScenarioError) -> [ScriptedAction] {
        var out: [ScriptedAction] = []
        for item in try v.sequence() {
            out += try followActions(item, extraKeys: [])
        }
        return out
    }

    static let followKeys = ["copier", "trader", "mode", "multiplier", "fixedMargin", "leverage", "marginMode", "slippage",
                             "maxMarginPerOrder", "maxTotalMargin", "autoMargin", "at", "deliverAt", "lost", "count"]

    /// One follow, or `count` of them (copier ids `C1`...`Cn` from the prefix `C`; a list of
    /// multipliers or leverages is used in turn).
    func followActions(_ item: YAMLValue, extraKeys: [String]) throws(ScenarioError) -> [ScriptedAction] {
        let f = try YAMLFields(item, allowed: Self.followKeys + extraKeys)
        let trader = try account(f.required("trader"), role: .trader)
        let copierNode = try f.required("copier")
        let count = try f["count"]?.int(1...ScenarioLimits.maxFollows)
        let copiers: [String]
        if let count {
            let prefix = try copierNode.string()
            copiers = (1...count).map { "\(prefix)\($0)" }
            for c in copiers where accounts[c] != .copier {
                throw copierNode.error(accounts[c] == nil ? "no account \"\(c)\" (count: \(count))" : "\"\(c)\" is a trader, not a copier")
            }
        } else {
            copiers = [try account(copierNode, role: .copier)]
        }
        let mode = try f["mode"]?.oneOf(["multiplier", "fixedMargin"]) ?? (f["fixedMargin"] != nil ? "fixedMargin" : "multiplier")
        let multipliers: [Decimal8]
        if mode == "multiplier" {
            let m = try f.required("multiplier")
            multipliers = m.node.sequence != nil ? try m.sequence().map { v throws(ScenarioError) in try v.positiveDecimal() } : [try m.positiveDecimal()]
            if multipliers.isEmpty { throw m.error("must list at least one multiplier") }
        } else {
            multipliers = [try f.required("fixedMargin").positiveDecimal()]
        }
        let levNode = try f.required("leverage")
        let leverages = levNode.node.sequence != nil ? try levNode.sequence().map { v throws(ScenarioError) in try v.int(1...1000) } : [try levNode.int(1...1000)]
        if leverages.isEmpty { throw levNode.error("must list at least one leverage") }
        let marginMode: MarginMode = try f["marginMode"]?.oneOf(["isolated", "cross"]) == "cross" ? .cross : .isolated
        let slippage = try f["slippage"]?.decimal()
        let maxPerOrder = try f["maxMarginPerOrder"]?.positiveDecimal()
        let maxTotal = try f["maxTotalMargin"]?.positiveDecimal()
        let autoMargin = try f["autoMargin"]?.positiveDecimal()
        let (at, deliverAt, lost) = try timing(f)
        return copiers.enumerated().map { i, c in
            let m: FollowSetup.Mode = mode == "multiplier" ? .multiplier(multipliers[i % multipliers.count]) : .fixedMargin(multipliers[0])
            var setup = FollowSetup(copier: c, trader: trader, mode: m, leverage: leverages[i % leverages.count], marginMode: marginMode)
            setup.slippage = slippage
            setup.maxMarginPerOrder = maxPerOrder
            setup.maxTotalMargin = maxTotal
            setup.autoMargin = autoMargin
            return ScriptedAction(kind: .follow(setup), at: at, deliverAt: deliverAt, lost: lost, path: item.path, line: item.line)
        }
    }

    /// `at` (occurrence), `deliverAt` (default `at`) and `lost`.
    func timing(_ f: YAMLFields) throws(ScenarioError) -> (Millis, Millis, Bool) {
        let at = try f["at"]?.duration() ?? 0
        let deliverAt = try f["deliverAt"]?.duration() ?? at
        let lost = try f["lost"]?.bool() ?? false
        return (at, deliverAt, lost)
    }
}
