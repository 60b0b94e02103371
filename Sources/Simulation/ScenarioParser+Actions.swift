import CopyTradeCore
import CopyTradeProto

extension ParseContext {
    static let actionKinds = ["open", "close", "marginAdd", "marginReduce", "autoMarginOn", "autoMarginOff", "deposit", "withdraw",
                              "follow", "unfollow", "rollout", "setRelation", "setAccount", "settle"]
    static let timingKeys = ["do", "at", "deliverAt", "lost"]

    /// `actions:` is a list of `{do: KIND, at:, deliverAt:, lost:, ...fields of the kind}`.
    func actions(_ v: YAMLValue) throws(ScenarioError) -> [ScriptedAction] {
        var out: [ScriptedAction] = []
        for item in try v.sequence() {
            guard let m = item.node.mapping else { throw item.error("must be a mapping with do:") }
            guard let kindNode = m.first(where: { $0.key.string == "do" })?.value else {
                throw item.error("needs do: (one of \(Self.actionKinds.joined(separator: ", ")))")
            }
            let kind = try item.child("do", kindNode).oneOf(Self.actionKinds)
            if kind == "follow" {
                out += try followActions(item, extraKeys: ["do"])
                continue
            }
            if kind == "setRelation" {
                out += try relationChanges(item)
                continue
            }
            let f = try YAMLFields(item, allowed: Self.timingKeys + Self.fields(of: kind))
            let (at, deliverAt, lost) = try timing(f)
            let k: ScriptedAction.Kind
            switch kind {
            case "open":
                let symbolNode = try f.required("symbol")
                let symbol = try self.symbol(symbolNode)
                let sideNode = try f.required("side")
                let sideText = try sideNode.string()
                let side: Side
                do { side = try Side(parsing: sideText) } catch { throw sideNode.error(error.message) }
                let price = try f["price"]?.positiveDecimal()
                if price == nil, !markedSymbols.contains(symbol) {
                    throw symbolNode.error("\(symbol) has no mark path, so this open needs price:")
                }
                let maxLev = market.specs[symbol]!.maxLeverage
                k = .open(account: try account(f.required("account")), symbol: symbol, side: side, quantity: try f.required("qty").positiveDecimal(),
                          price: price, leverage: try f["leverage"]?.int(1...maxLev) ?? 10,
                          mode: try f["marginMode"]?.oneOf(["isolated", "cross"]) == "cross" ? .cross : .isolated)
            case "close":
                k = .close(account: try account(f.required("account")), symbol: try symbol(f.required("symbol")),
                           quantity: try f["qty"]?.positiveDecimal(), price: try f["price"]?.positiveDecimal())
            case "marginAdd", "marginReduce":
                let amount = try f.required("amount").positiveDecimal()
                k = .adjustMargin(account: try account(f.required("account")), symbol: try symbol(f.required("symbol")),
                                  delta: kind == "marginAdd" ? amount : Decimal8(units: -amount.units))
            case "autoMarginOn":
                k = .autoMargin(account: try account(f.required("account")), symbol: try symbol(f.required("symbol")),
                                amount: try f.required("amount").positiveDecimal())
            case "autoMarginOff":
                k = .autoMargin(account: try account(f.required("account")), symbol: try symbol(f.required("symbol")), amount: nil)
            case "deposit":
                k = .deposit(account: try account(f.required("account")), amount: try f.required("amount").positiveDecimal())
            case "withdraw":
                k = .withdraw(account: try account(f.required("account")), amount: try f.required("amount").positiveDecimal())
            case "rollout":
                k = .rollout(try rollout(f))
            case "setAccount":
                k = .setAccount(try accountChange(f))
            case "settle":
                k = .settle(trader: try f["trader"].map { v throws(ScenarioError) in try account(v, role: .trader) })
            default: // unfollow
                k = .unfollow(copier: try account(f.required("copier"), role: .copier), trader: try account(f.required("trader"), role: .trader),
                              closePolicy: try f["closePolicy"].map { v throws(ScenarioError) in
                                  Copytrade_V1_ClosePolicy(scenarioName: try v.oneOf(Self.closePolicies))! })
            }
            out.append(ScriptedAction(kind: k, at: at, deliverAt: deliverAt, lost: lost, path: item.path, line: item.line))
        }
        return out
    }

    static func fields(of kind: String) -> [String] {
        switch kind {
        case "open": ["account", "symbol", "side", "qty", "price", "leverage", "marginMode"]
        case "close": ["account", "symbol", "qty", "price"]
        case "marginAdd", "marginReduce", "autoMarginOn": ["account", "symbol", "amount"]
        case "autoMarginOff": ["account", "symbol"]
        case "deposit", "withdraw": ["account", "amount"]
        case "rollout": ["phases", "file"]
        case "setAccount": ["account", "profitShareRatio", "maxCopiers", "clear"]
        case "settle": ["trader"]
        default: ["copier", "trader", "closePolicy"]
        }
    }
}
