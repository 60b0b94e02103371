import CopyTradeCore
import CopyTradeProto
import Sizing

/// A relation's settings, one rule per setting, shared by `follow` (every setting given) and
/// `relation set` (the settings it names): each is checked where the user sets it and refused
/// naming the field (docs/protections.md).
extension Engine {
    /// Settings `relation set` can change, by their FollowRequest field names.
    static let relationSettings: Set<String> = [
        "multiplier", "fixedMargin", "leverage", "symbolLeverage", "marginMode", "symbolMarginMode", "slippage",
        "maxMarginPerOrder", "maxTotalMargin", "autoMarginAmount", "tpRatio", "slRatio", "stopLossAmount", "closePolicy",
        "symbols", "maxDailyMargin",
    ]
    /// Settings that are off unless set, which `relation set --clear` turns off.
    static let clearableRelationSettings: Set<String> = [
        "slippage", "maxMarginPerOrder", "maxTotalMargin", "autoMarginAmount", "tpRatio", "slRatio", "stopLossAmount",
        "symbols", "maxDailyMargin",
    ]

    /// Sets `field` of `rel` from the request, checking its rule.
    func applySetting(_ field: String, from r: Copytrade_V1_FollowRequest, to rel: inout RelationRecord) throws(DomainError) {
        switch field {
        case "multiplier":
            let m = Decimal8(e8: r.multiplierE8)
            guard MultiplierBounds.standard.contains(m) else {
                throw DomainError.invalid("multiplier", "must be between \(MultiplierBounds.standard.minimum) and \(MultiplierBounds.standard.maximum), got \(m)")
            }
            rel.mode = .proportional(multiplier: m)
        case "fixedMargin":
            rel.mode = .fixed(margin: try positive(r.fixedMarginE8, "fixedMargin"))
        case "leverage":
            // A leverage no symbol allows could never be copied; one above a symbol's own maximum
            // would have every copy on it skipped, so both are refused here, where the user sets them.
            let highest = market.specs.values.map(\.maxLeverage).max() ?? 1
            guard (1...highest).contains(Int(r.leverage)) else {
                throw DomainError.invalid("leverage", "must be between 1 and \(highest), the highest any symbol allows")
            }
            rel.leverage = Int(r.leverage)
        case "symbolLeverage":
            for (symbol, lev) in r.symbolLeverage {
                let s = try spec(symbol)
                guard (1...s.maxLeverage).contains(Int(lev)) else {
                    throw DomainError.invalid("symbolLeverage.\(symbol)", "must be between 1 and \(s.maxLeverage) for \(s.symbol)")
                }
            }
            rel.symbolLeverage = r.symbolLeverage.mapValues { Int($0) }
        case "marginMode":
            rel.marginMode = try MarginMode(wire: r.marginMode, field: "marginMode")
        case "symbolMarginMode":
            var modes: [String: MarginMode] = [:]
            for (symbol, wire) in r.symbolMarginMode {
                _ = try spec(symbol)
                modes[symbol] = try MarginMode(wire: wire, field: "symbolMarginMode.\(symbol)")
            }
            rel.symbolMarginMode = modes
        case "slippage":
            guard r.slippageE8 >= 0, r.slippageE8 < Decimal8.unitsPerOne else { throw DomainError.invalid("slippage", "must be in [0, 1)") }
            rel.slippage = Decimal8(e8: r.slippageE8)
        case "maxMarginPerOrder": rel.maxMarginPerOrder = try positive(r.maxMarginPerOrderE8, "maxMarginPerOrder")
        case "maxTotalMargin": rel.maxTotalMargin = try positive(r.maxTotalMarginE8, "maxTotalMargin")
        case "autoMarginAmount": rel.autoMarginAmount = try positive(r.autoMarginAmountE8, "autoMarginAmount")
        case "tpRatio": rel.takeProfitRatio = try positive(r.tpRatioE8, "tpRatio")
        case "slRatio": rel.stopLossRatio = try positive(r.slRatioE8, "slRatio")
        case "stopLossAmount": rel.stopLossAmount = try positive(r.stopLossAmountE8, "stopLossAmount")
        case "closePolicy": rel.closePolicy = try ClosePolicy(wire: r.closePolicy, field: "closePolicy")
        case "symbols":
            var symbols: [String] = []
            for name in r.symbols {
                guard let s = try? spec(name) else {
                    throw DomainError.invalid("symbols", "\"\(name)\" is not a listed symbol (listed: \(market.specs.keys.sorted().joined(separator: ", ")))")
                }
                if !symbols.contains(s.symbol) { symbols.append(s.symbol) }
            }
            guard !symbols.isEmpty else { throw DomainError.invalid("symbols", "must list at least one symbol; clear it to copy every symbol") }
            rel.symbols = symbols.sorted()
        case "maxDailyMargin": rel.maxDailyMargin = try positive(r.maxDailyMarginE8, "maxDailyMargin")
        default:
            throw DomainError.invalid("fields", "\"\(field)\" is not a relation setting (settings: \(Self.relationSettings.sorted().joined(separator: ", ")))")
        }
    }

    /// The settings a follow request gives: the mode, leverage and margin mode always; the
    /// optional ones when present (a has_ flag, or a non-zero cap as before).
    func followSettings(_ r: Copytrade_V1_FollowRequest) -> [String] {
        var fields: [String] = []
        switch r.mode {
        case .fixed: fields.append("fixedMargin")
        case .proportional, .unspecified: fields.append("multiplier")
        case .UNRECOGNIZED: fields.append("mode")
        }
        fields += ["leverage", "symbolLeverage", "marginMode", "symbolMarginMode"]
        if r.hasSlippage_p { fields.append("slippage") }
        if r.maxMarginPerOrderE8 != 0 { fields.append("maxMarginPerOrder") }
        if r.maxTotalMarginE8 != 0 { fields.append("maxTotalMargin") }
        if r.autoMarginAmountE8 != 0 { fields.append("autoMarginAmount") }
        if r.hasTpRatio_p { fields.append("tpRatio") }
        if r.hasSlRatio_p { fields.append("slRatio") }
        if r.hasStopLossAmount_p { fields.append("stopLossAmount") }
        fields.append("closePolicy")
        if !r.symbols.isEmpty { fields.append("symbols") }
        if r.hasMaxDailyMargin_p { fields.append("maxDailyMargin") }
        return fields
    }

    /// `relation set`: changes the named settings of a relation while it follows; a change of
    /// the TP/SL ratios recomputes the triggers of its open copies at once.
    func setRelation(_ r: Copytrade_V1_SetRelationRequest, _ tx: inout EngineTransaction) async throws {
        var req = Copytrade_V1_RelationRequest()
        req.copierID = r.copierID
        req.traderID = r.traderID
        let before = try requireRelation(req, tx)
        guard !r.fields.isEmpty || !r.clear.isEmpty else { throw DomainError.invalid("fields", "name at least one setting to change or clear") }
        var rel = before
        for field in r.fields { try applySetting(field, from: r.settings, to: &rel) }
        if r.fields.contains("multiplier"), r.fields.contains("fixedMargin") {
            throw DomainError.invalid("fields", "multiplier and fixedMargin are two modes; set one")
        }
        for name in r.clear {
            guard Self.clearableRelationSettings.contains(name) else {
                throw DomainError.invalid("clear", "\"\(name)\" cannot be cleared (clearable: \(Self.clearableRelationSettings.sorted().joined(separator: ", ")))")
            }
            guard !r.fields.contains(name) else { throw DomainError.invalid("clear", "\"\(name)\" is both set and cleared") }
            switch name {
            case "slippage": rel.slippage = nil
            case "maxMarginPerOrder": rel.maxMarginPerOrder = nil
            case "maxTotalMargin": rel.maxTotalMargin = nil
            case "autoMarginAmount": rel.autoMarginAmount = nil
            case "tpRatio": rel.takeProfitRatio = nil
            case "slRatio": rel.stopLossRatio = nil
            case "stopLossAmount": rel.stopLossAmount = nil
            case "symbols": rel.symbols = []
            default: rel.maxDailyMargin = nil
            }
        }
        tx.put(rel)
        if rel.takeProfitRatio != before.takeProfitRatio || rel.stopLossRatio != before.stopLossRatio {
            for p in tx.copies(ofRelation: rel) { tx.put(try withTriggers(p, tx)) }
        }
        let changed = (r.fields.map { "\($0) set" } + r.clear.map { "\($0) cleared" }).joined(separator: ", ")
        tx.event(.relationSettingsChanged, account: rel.copier, detail: "\(rel.trader) (\(rel.id)): \(changed)")
    }

    /// `account set`: a trader's copier limit and profit-share ratio. The ratio reaches its
    /// relations (here and, by message, on other shards) for their next settlement.
    func setAccount(_ r: Copytrade_V1_SetAccountRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        var a = try requireAccount(r.accountID, tx)
        guard a.role == .trader else {
            throw DomainError.invalid("account", "\"\(a.id)\" is a copier account; max copiers and profit share are trader settings")
        }
        guard r.hasMaxCopiers_p || r.hasProfitShareRatio_p || !r.clear.isEmpty else {
            throw DomainError.invalid("account", "name at least one setting to change (maxCopiers, profitShareRatio) or clear")
        }
        var changed: [String] = []
        if r.hasMaxCopiers_p {
            guard r.maxCopiers >= 1 else { throw DomainError.invalid("maxCopiers", "must be at least 1; clear it to remove the limit") }
            a.maxCopiers = Int(r.maxCopiers)
            changed.append("maxCopiers \(r.maxCopiers)")
        }
        if r.hasProfitShareRatio_p {
            let ratio = Decimal8(e8: r.profitShareRatioE8)
            guard !ratio.isNegative, ratio <= ProfitShareSettlement.maximumRatio else {
                throw DomainError.invalid("profitShareRatio", "must be between 0 and \(ProfitShareSettlement.maximumRatio), got \(ratio)")
            }
            a.profitShareRatio = ratio
            changed.append("profitShareRatio \(ratio)")
        }
        for name in r.clear {
            guard name == "maxCopiers", !r.hasMaxCopiers_p else {
                throw DomainError.invalid("clear", "only maxCopiers can be cleared, and not while setting it; got \"\(name)\"")
            }
            a.maxCopiers = nil
            changed.append("maxCopiers cleared")
        }
        tx.put(a)
        tx.event(.accountSettingsChanged, account: a.id, detail: changed.joined(separator: ", "))
        let settings = TraderSettings(trader: a.id, maxCopiers: a.maxCopiers, profitShareRatio: a.profitShareRatio)
        updateRelations(of: settings, &tx)
        tx.broadcast(.traderSettings(RecordWire.wire(settings)))
    }

    /// Another shard's trader changed its settings: remember them and update its relations here.
    func applyTraderSettings(_ t: TraderSettings, tx: inout EngineTransaction) throws(DomainError) {
        tx.learn(t)
        updateRelations(of: t, &tx)
    }

    /// A ratio change applies to existing relations from their next settlement.
    func updateRelations(of t: TraderSettings, _ tx: inout EngineTransaction) {
        for var rel in tx.relations(ofTrader: t.trader) where rel.profitShareRatio != t.profitShareRatio {
            rel.profitShareRatio = t.profitShareRatio
            tx.put(rel)
        }
    }
}
