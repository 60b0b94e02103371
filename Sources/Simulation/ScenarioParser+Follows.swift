import CopyTradeCore
import CopyTradeProto

/// `follows` entries, `do: follow` and `do: setRelation`: the relation settings, the copier
/// protections and limits among them (docs/protections.md), each checked here before anything runs.
extension ParseContext {
    func follows(_ v: YAMLValue) throws(ScenarioError) -> [ScriptedAction] {
        var out: [ScriptedAction] = []
        for item in try v.sequence() {
            out += try followActions(item, extraKeys: [])
        }
        return out
    }

    /// Copier protections and limits, in follows and in setRelation.
    static let protectionKeys = ["tpRatio", "slRatio", "stopLossAmount", "closePolicy", "symbols", "maxDailyMargin"]

    static let followKeys = ["copier", "trader", "mode", "multiplier", "fixedMargin", "leverage", "marginMode", "slippage",
                             "maxMarginPerOrder", "maxTotalMargin", "autoMargin"] + protectionKeys
        + ["copyOpenPositions", "at", "deliverAt", "lost", "count"]

    static let closePolicies = ["follow", "market", "detach"]

    /// One follow, or `count` of them (copier ids `C1`...`Cn` from the prefix `C`; a list of
    /// multipliers or leverages is used in turn; every other setting is the same for all).
    func followActions(_ item: YAMLValue, extraKeys: [String]) throws(ScenarioError) -> [ScriptedAction] {
        let f = try YAMLFields(item, allowed: Self.followKeys + extraKeys)
        let trader = try account(f.required("trader"), role: .trader)
        let copiers = try self.copiers(f)
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
        var base = FollowSetup(copier: "", trader: trader, mode: .multiplier(.one), leverage: 1)
        _ = try readSettings(f, into: &base)
        base.copyOpenPositions = try f["copyOpenPositions"]?.bool() ?? false
        let (at, deliverAt, lost) = try timing(f)
        return copiers.enumerated().map { i, c in
            var setup = base
            setup.copier = c
            setup.mode = mode == "multiplier" ? .multiplier(multipliers[i % multipliers.count]) : .fixedMargin(multipliers[0])
            setup.leverage = leverages[i % leverages.count]
            return ScriptedAction(kind: .follow(setup), at: at, deliverAt: deliverAt, lost: lost, path: item.path, line: item.line)
        }
    }

    /// `copier:`, or with `count: N` the copiers `<copier>1`...`<copier>N`.
    func copiers(_ f: YAMLFields) throws(ScenarioError) -> [String] {
        let copierNode = try f.required("copier")
        guard let count = try f["count"]?.int(1...ScenarioLimits.maxFollows) else { return [try account(copierNode, role: .copier)] }
        let prefix = try copierNode.string()
        let copiers = (1...count).map { "\(prefix)\($0)" }
        for c in copiers where accounts[c] != .copier {
            throw copierNode.error(accounts[c] == nil ? "no account \"\(c)\" (count: \(count))" : "\"\(c)\" is a trader, not a copier")
        }
        return copiers
    }

    /// The single-valued settings a follow and a setRelation share (all but mode, multiplier,
    /// fixedMargin and leverage), read into `s`; returns the scenario keys that were given.
    func readSettings(_ f: YAMLFields, into s: inout FollowSetup) throws(ScenarioError) -> [String] {
        var given: [String] = []
        func read<T>(_ key: String, _ parse: (YAMLValue) throws(ScenarioError) -> T) throws(ScenarioError) -> T? {
            guard let v = f[key] else { return nil }
            given.append(key)
            return try parse(v)
        }
        if let m = try read("marginMode", { v throws(ScenarioError) in try v.oneOf(["isolated", "cross"]) }) { s.marginMode = m == "cross" ? .cross : .isolated }
        s.slippage = try read("slippage") { v throws(ScenarioError) in try v.decimal() }
        s.maxMarginPerOrder = try read("maxMarginPerOrder") { v throws(ScenarioError) in try v.positiveDecimal() }
        s.maxTotalMargin = try read("maxTotalMargin") { v throws(ScenarioError) in try v.positiveDecimal() }
        s.autoMargin = try read("autoMargin") { v throws(ScenarioError) in try v.positiveDecimal() }
        s.takeProfitRatio = try read("tpRatio") { v throws(ScenarioError) in try v.positiveDecimal() }
        s.stopLossRatio = try read("slRatio") { v throws(ScenarioError) in try v.positiveDecimal() }
        s.stopLossAmount = try read("stopLossAmount") { v throws(ScenarioError) in try v.positiveDecimal() }
        s.closePolicy = try read("closePolicy") { v throws(ScenarioError) in Copytrade_V1_ClosePolicy(scenarioName: try v.oneOf(Self.closePolicies))! }
        s.symbols = try read("symbols") { v throws(ScenarioError) in try symbolList(v) } ?? []
        s.maxDailyMargin = try read("maxDailyMargin") { v throws(ScenarioError) in try v.positiveDecimal() }
        return given
    }

    /// `symbols: [BTCUSDT, ETHUSDT]` (or one symbol): known to the market, each once.
    func symbolList(_ v: YAMLValue) throws(ScenarioError) -> [String] {
        let items = v.node.sequence != nil ? try v.sequence() : [v]
        if items.isEmpty { throw v.error("must list at least one symbol (leave it out to copy every symbol)") }
        var out: [String] = []
        for item in items {
            let s = try symbol(item)
            if out.contains(s) { throw item.error("lists \(s) twice") }
            out.append(s)
        }
        return out
    }

    /// setRelation's keys and the request's names of the settings they change.
    static let relationSettings: [(key: String, field: String)] = [
        ("multiplier", "multiplier"), ("fixedMargin", "fixedMargin"), ("leverage", "leverage"), ("marginMode", "marginMode"),
        ("slippage", "slippage"), ("maxMarginPerOrder", "maxMarginPerOrder"), ("maxTotalMargin", "maxTotalMargin"),
        ("autoMargin", "autoMarginAmount"), ("tpRatio", "tpRatio"), ("slRatio", "slRatio"), ("stopLossAmount", "stopLossAmount"),
        ("closePolicy", "closePolicy"), ("symbols", "symbols"), ("maxDailyMargin", "maxDailyMargin"),
    ]
    /// The optional settings `clear:` may turn off.
    static let clearableSettings = ["slippage", "maxMarginPerOrder", "maxTotalMargin", "autoMargin", "tpRatio", "slRatio",
                                    "stopLossAmount", "symbols", "maxDailyMargin"]

    static func requestField(_ key: String) -> String { relationSettings.first { $0.key == key }?.field ?? key }

    /// `do: setRelation`: `copier` (or a `count:` prefix), `trader`, any settings to change and
    /// `clear: [names]` to turn optional ones off.
    func relationChanges(_ item: YAMLValue) throws(ScenarioError) -> [ScriptedAction] {
        let f = try YAMLFields(item, allowed: ["do", "copier", "trader", "count", "clear", "at", "deliverAt", "lost"]
                               + Self.relationSettings.map(\.key))
        let trader = try account(f.required("trader"), role: .trader)
        let copiers = try self.copiers(f)
        var scratch = FollowSetup(copier: "", trader: trader, mode: .multiplier(.zero), leverage: 0)
        var given = try readSettings(f, into: &scratch)
        switch (f["multiplier"], f["fixedMargin"]) {
        case (_?, let fixed?): throw fixed.error("give multiplier: or fixedMargin:, not both")
        case (let m?, nil): scratch.mode = .multiplier(try m.positiveDecimal()); given.append("multiplier")
        case (nil, let b?): scratch.mode = .fixedMargin(try b.positiveDecimal()); given.append("fixedMargin")
        case (nil, nil): break
        }
        if let l = f["leverage"] { scratch.leverage = try l.int(1...1000); given.append("leverage") }
        var clear: [String] = []
        if let c = f["clear"] {
            let items = c.node.sequence != nil ? try c.sequence() : [c]
            for v in items {
                let name = try v.oneOf(Self.clearableSettings)
                if clear.contains(name) { throw v.error("names \(name) twice") }
                if given.contains(name) { throw v.error("\(name) is both given and cleared; choose one") }
                clear.append(name)
            }
        }
        if given.isEmpty && clear.isEmpty {
            throw item.error("needs a setting to change (\(Self.relationSettings.map(\.key).joined(separator: ", "))) or clear:")
        }
        // In the request's order, by its names.
        let fields = Self.relationSettings.filter { given.contains($0.key) }.map(\.field)
        let settings = ScenarioInputs.followRequest(scratch, atMs: 0)
        let (at, deliverAt, lost) = try timing(f)
        return copiers.map { c in
            let change = RelationChange(copier: c, trader: trader, settings: settings, fields: fields, clear: clear.map(Self.requestField))
            return ScriptedAction(kind: .setRelation(change), at: at, deliverAt: deliverAt, lost: lost, path: item.path, line: item.line)
        }
    }

    /// A trader's profit-share ratio: 0 (off) to 0.5.
    func profitShareRatio(_ v: YAMLValue) throws(ScenarioError) -> Decimal8 {
        let r = try v.decimal()
        guard !r.isNegative, r <= ProfitShareSettlement.maximumRatio else {
            throw v.error("must be between 0 and \(ProfitShareSettlement.maximumRatio), got \(r)")
        }
        return r
    }

    /// A trader's limit on copiers: 1 or more (`clear: [maxCopiers]` turns it off).
    static func maxCopiers(_ v: YAMLValue) throws(ScenarioError) -> Int { try v.int(1...Int(Int32.max)) }

    /// `do: setAccount`: a trader's `profitShareRatio`, `maxCopiers`, `clear: [maxCopiers]`.
    func accountChange(_ f: YAMLFields) throws(ScenarioError) -> AccountChange {
        let id = try account(f.required("account"), role: .trader)
        var change = AccountChange(account: id)
        change.profitShareRatio = try f["profitShareRatio"].map { v throws(ScenarioError) in try profitShareRatio(v) }
        change.maxCopiers = try f["maxCopiers"].map { v throws(ScenarioError) in try Self.maxCopiers(v) }
        if let c = f["clear"] {
            for v in c.node.sequence != nil ? try c.sequence() : [c] {
                let name = try v.oneOf(["maxCopiers"])
                if change.clear.contains(name) { throw v.error("names \(name) twice") }
                if change.maxCopiers != nil { throw v.error("maxCopiers is both given and cleared; choose one") }
                change.clear.append(name)
            }
        }
        if change.profitShareRatio == nil, change.maxCopiers == nil, change.clear.isEmpty {
            throw f.value.error("needs profitShareRatio:, maxCopiers: or clear:")
        }
        return change
    }

    /// `at` (occurrence), `deliverAt` (default `at`) and `lost`.
    func timing(_ f: YAMLFields) throws(ScenarioError) -> (Millis, Millis, Bool) {
        let at = try f["at"]?.duration() ?? 0
        let deliverAt = try f["deliverAt"]?.duration() ?? at
        let lost = try f["lost"]?.bool() ?? false
        return (at, deliverAt, lost)
    }
}
