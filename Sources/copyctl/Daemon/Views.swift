import Calculators
import Coordinator
import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// Renders control answers as ``CalcOutput`` so every command prints text or JSON the same way.
enum Views {
    static func result(_ r: Copytrade_V1_InputResult) -> CalcOutput {
        var o = CalcOutput()
        o.add("sequence", .integer(Int64(r.sequence)))
        o.add("duplicate", r.duplicate)
        if !r.createdID.isEmpty { o.add("createdId", r.createdID) }
        o.add("events", .list(r.events.map(event)))
        return o
    }

    static func event(_ e: Copytrade_V1_Event) -> CalcOutput {
        var o = CalcOutput()
        o.add("sequence", .integer(Int64(e.sequence)))
        o.add("atMs", .integer(e.atMs))
        o.add("kind", e.kind)
        if !e.accountID.isEmpty { o.add("account", e.accountID) }
        if !e.symbol.isEmpty { o.add("symbol", e.symbol) }
        if !e.positionID.isEmpty { o.add("position", e.positionID) }
        if e.amountE8 != 0 { o.add("amount", Decimal8(e8: e.amountE8)) }
        if e.priceE8 != 0 { o.add("price", Decimal8(e8: e.priceE8)) }
        if e.quantityE8 != 0 { o.add("quantity", Decimal8(e8: e.quantityE8)) }
        if !e.reason.isEmpty { o.add("reason", e.reason) }
        if !e.detail.isEmpty { o.add("detail", e.detail) }
        if !e.inputKey.isEmpty { o.add("key", e.inputKey) }
        return o
    }

    /// One line per event, for `history` and `watch` in text mode.
    static func line(_ e: Copytrade_V1_Event) -> String {
        var parts = ["#\(e.sequence)", e.kind]
        if !e.accountID.isEmpty { parts.append(e.accountID) }
        if !e.symbol.isEmpty { parts.append(e.symbol) }
        if !e.positionID.isEmpty { parts.append(e.positionID) }
        if e.amountE8 != 0 { parts.append("amount=\(Decimal8(e8: e.amountE8))") }
        if e.priceE8 != 0 { parts.append("price=\(Decimal8(e8: e.priceE8))") }
        if e.quantityE8 != 0 { parts.append("qty=\(Decimal8(e8: e.quantityE8))") }
        if !e.reason.isEmpty { parts.append("reason=\(e.reason)") }
        if !e.detail.isEmpty { parts.append("(\(e.detail))") }
        return parts.joined(separator: " ")
    }

    static func account(_ a: Copytrade_V1_Account) -> CalcOutput {
        var o = CalcOutput()
        o.add("account", a.accountID)
        o.add("role", a.role == .trader ? "trader" : "copier")
        o.add("wallet", Decimal8(e8: a.walletBalanceE8))
        o.add("available", Decimal8(e8: a.availableE8))
        o.add("deposits", Decimal8(e8: a.depositsE8))
        o.add("withdrawals", Decimal8(e8: a.withdrawalsE8))
        o.add("realizedPnl", Decimal8(e8: a.realizedPnlE8))
        o.add("fees", Decimal8(e8: a.feesE8))
        if !a.region.isEmpty { o.add("region", a.region) }
        if !a.market.isEmpty { o.add("market", a.market) }
        // Profit sharing: what a copier paid to traders, what a trader received from copiers.
        o.add("profitSharePaid", Decimal8(e8: a.profitSharePaidE8))
        o.add("profitShareReceived", Decimal8(e8: a.profitShareReceivedE8))
        // A trader's settings, when set (`account set`).
        if a.maxCopiers != 0 { o.add("maxCopiers", .integer(Int64(a.maxCopiers))) }
        if a.profitShareRatioE8 != 0 { o.add("profitShareRatio", Decimal8(e8: a.profitShareRatioE8)) }
        return o
    }

    /// Every setting and figure of a copy relation (`relation show`, `relation list --json`).
    /// An optional setting that is off shows `off`.
    static func relation(_ r: Copytrade_V1_CopyRelation) -> CalcOutput {
        var o = CalcOutput()
        o.add("relation", r.relationID)
        o.add("copier", r.copierID)
        o.add("trader", r.traderID)
        o.add("status", relationStatus(r))
        o.add("paused", r.paused)
        if r.mode == .fixed {
            o.add("mode", "fixed")
            o.add("fixedMargin", Decimal8(e8: r.fixedMarginE8))
        } else {
            o.add("mode", "proportional")
            o.add("multiplier", Decimal8(e8: r.multiplierE8))
        }
        o.add("leverage", .integer(Int64(r.leverage)))
        if !r.symbolLeverage.isEmpty {
            o.add("symbolLeverage", r.symbolLeverage.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        }
        o.add("marginMode", marginMode(r.marginMode))
        if !r.symbolMarginMode.isEmpty {
            o.add("symbolMarginMode", r.symbolMarginMode.sorted { $0.key < $1.key }.map { "\($0.key)=\(marginMode($0.value))" }.joined(separator: ","))
        }
        o.add("slippage", r.hasSlippage_p ? .decimal(Decimal8(e8: r.slippageE8)) : .text("symbol default"))
        o.add("maxMarginPerOrder", offUnlessSet(r.maxMarginPerOrderE8))
        o.add("maxTotalMargin", offUnlessSet(r.maxTotalMarginE8))
        o.add("autoMargin", offUnlessSet(r.autoMarginAmountE8))
        o.add("tpRatio", offUnlessSet(r.tpRatioE8))
        o.add("slRatio", offUnlessSet(r.slRatioE8))
        o.add("stopLossAmount", offUnlessSet(r.stopLossAmountE8))
        o.add("closePolicy", ClosePolicyText.name(r.closePolicy))
        o.add("symbols", r.symbols.isEmpty ? "all" : r.symbols.joined(separator: ","))
        o.add("maxDailyMargin", offUnlessSet(r.maxDailyMarginE8))
        o.add("dailyMarginUsed", Decimal8(e8: r.dailyMarginUsedE8))
        if r.dailyMarginDay != 0 { o.add("dailyMarginDay", String(UTCTime.format(r.dailyMarginDay * 86_400_000).prefix(10))) }
        o.add("profitShareRatio", Decimal8(e8: r.profitShareRatioE8))
        o.add("realizedPnl", Decimal8(e8: r.realizedPnlE8))
        o.add("fees", Decimal8(e8: r.feesE8))
        o.add("netResult", Decimal8(e8: r.netResultE8))
        o.add("shared", Decimal8(e8: r.sharedE8))
        o.add("due", Decimal8(e8: r.dueE8))
        o.add("established", UTCTime.format(r.establishedMs))
        o.add("establishedMs", .integer(r.establishedMs))
        if r.endedMs != 0 {
            o.add("ended", UTCTime.format(r.endedMs))
            o.add("endedMs", .integer(r.endedMs))
        }
        return o
    }

    /// following, paused, stopped (its stop loss was reached) or ended (unfollowed, copies open).
    static func relationStatus(_ r: Copytrade_V1_CopyRelation) -> String {
        switch r.status {
        case .unspecified: return r.paused ? "paused" : "following"
        case .stopped: return "stopped"
        case .ended: return "ended"
        case .UNRECOGNIZED(let n): return "unknown(\(n))"
        }
    }

    static func marginMode(_ m: Copytrade_V1_MarginMode) -> String { m == .cross ? "cross" : "isolated" }

    /// A setting whose 0 means off.
    static func offUnlessSet(_ e8: Int64) -> CalcOutput.Value { e8 == 0 ? .text("off") : .decimal(Decimal8(e8: e8)) }

    /// Relations as an aligned table: sizing, protections compactly (`TP/SL` ratios, `STOP` the
    /// relation's stop loss amount and close policy), and the result so far.
    static func relationTable(_ rs: [Copytrade_V1_CopyRelation]) -> String {
        var rows = [["RELATION", "COPIER", "TRADER", "STATUS", "SIZE", "LEV", "TP/SL", "STOP", "SYMBOLS", "NET", "DUE"]]
        func ratio(_ e8: Int64) -> String { e8 == 0 ? "-" : Decimal8(e8: e8).description }
        for r in rs {
            let tpsl = r.tpRatioE8 == 0 && r.slRatioE8 == 0 ? "-" : "\(ratio(r.tpRatioE8))/\(ratio(r.slRatioE8))"
            let policy = r.closePolicy == .market || r.closePolicy == .detach ? "/" + ClosePolicyText.name(r.closePolicy) : ""
            rows.append([r.relationID, r.copierID, r.traderID, relationStatus(r),
                         r.mode == .fixed ? "fixed \(Decimal8(e8: r.fixedMarginE8))" : "x\(Decimal8(e8: r.multiplierE8))",
                         "\(r.leverage)x", tpsl, ratio(r.stopLossAmountE8) + policy,
                         r.symbols.isEmpty ? "all" : r.symbols.joined(separator: ","),
                         Decimal8(e8: r.netResultE8).description, Decimal8(e8: r.dueE8).description])
        }
        return Table.render(rows)
    }

    /// How a view carries an infinite risk rate (margin balance at or below zero, SPEC §3) in
    /// `Position.risk_rate_e8`: `Int64.max`, which is never a real rate. It is never printed as a
    /// number (it would read 92233720368.54775807): `"infinite"` in text and JSON
    /// (docs/decisions.md, Margin).
    static let infiniteRiskE8 = Int64.max

    static func position(_ p: Copytrade_V1_Position) -> CalcOutput {
        var o = CalcOutput()
        let s = p.state
        o.add("position", p.positionID)
        o.add("account", p.accountID)
        o.add("symbol", s.symbol)
        o.add("side", s.side == .short ? "short" : "long")
        o.add("mode", s.marginMode == .cross ? "cross" : "isolated")
        o.add("quantity", Decimal8(e8: s.quantityE8))
        o.add("entry", Decimal8(e8: s.entryPriceE8))
        o.add("margin", Decimal8(e8: s.marginE8))
        o.add("leverage", .integer(Int64(s.leverage)))
        o.add("liquidationPrice", liquidationPrice(p))
        if p.figuresUnavailable {
            // The margin module could not be asked: the stored liquidation price above, and no
            // figure at the mark rather than a reassuring 0 (docs/decisions.md, Coordinator).
            if p.markPriceE8 != 0 { o.add("mark", Decimal8(e8: p.markPriceE8)) }
            for figure in ["riskRate", "maintenanceRequirement", "unrealizedPnl"] { o.add(figure, .text(unavailable)) }
        } else if p.markPriceE8 != 0 {
            o.add("mark", Decimal8(e8: p.markPriceE8))
            o.add("riskRate", (p.riskInfinite || p.riskRateE8 == infiniteRiskE8) ? .text("infinite") : .decimal(Decimal8(e8: p.riskRateE8)))
            o.add("maintenanceRequirement", Decimal8(e8: p.maintenanceRequirementE8))
            o.add("unrealizedPnl", Decimal8(e8: p.unrealizedPnlE8))
        }
        o.add("autoMargin", p.autoMargin ? .decimal(Decimal8(e8: p.autoMarginAmountE8)) : .text("off"))
        // A copy's trigger prices (null: none).
        o.add("takeProfit", trigger(p.takeProfitPriceE8))
        o.add("stopLoss", trigger(p.stopLossPriceE8))
        if p.openFeesE8 != 0 { o.add("openFees", Decimal8(e8: p.openFeesE8)) }
        if !p.copiedFromPositionID.isEmpty { o.add("copiedFrom", p.copiedFromPositionID) }
        return o
    }

    /// A trigger price of a view; nil for 0 (none).
    static func trigger(_ e8: Int64) -> Decimal8? { e8 == 0 ? nil : Decimal8(e8: e8) }

    /// What a figure the margin module could not compute is shown as.
    static let unavailable = "unavailable"

    /// The on-tick liquidation price of a view, or the stored 8-place one when the margin module
    /// could not be asked (`figures_unavailable`); nil when the position has none.
    static func liquidationPrice(_ p: Copytrade_V1_Position) -> Decimal8? {
        guard p.hasLiquidationPrice_p else { return nil }
        return Decimal8(e8: p.figuresUnavailable ? p.liquidationPriceE8 : p.liquidationPriceRoundedE8)
    }

    /// Positions as an aligned table, for people.
    static func positionTable(_ ps: [Copytrade_V1_Position]) -> String {
        let header = ["POSITION", "ACCOUNT", "SYMBOL", "SIDE", "QTY", "ENTRY", "MARGIN", "LEV", "LIQ", "RISK", "AUTO", "TP", "SL", "COPIES"]
        var rows = [header]
        for p in ps {
            let s = p.state
            rows.append([p.positionID, p.accountID, s.symbol, s.side == .short ? "short" : "long",
                         Decimal8(e8: s.quantityE8).description, Decimal8(e8: s.entryPriceE8).description,
                         Decimal8(e8: s.marginE8).description, "\(s.leverage)x",
                         liquidationPrice(p)?.description ?? "-",
                         p.figuresUnavailable ? unavailable
                             : p.markPriceE8 == 0 ? "-" : ((p.riskInfinite || p.riskRateE8 == infiniteRiskE8) ? "infinite" : percent(p.riskRateE8)),
                         p.autoMargin ? Decimal8(e8: p.autoMarginAmountE8).description : "off",
                         trigger(p.takeProfitPriceE8)?.description ?? "-", trigger(p.stopLossPriceE8)?.description ?? "-",
                         p.copiedFromPositionID.isEmpty ? "-" : p.copiedFromPositionID])
        }
        return Table.render(rows)
    }

    static func percent(_ e8: Int64) -> String {
        let pct = (try? Decimal8(e8: e8).multiplied(by: 100, rounding: .halfEven).rounded(toMultipleOf: "0.01", .halfEven)) ?? .zero
        return "\(pct)%"
    }
}

/// Left-aligned columns separated by two spaces.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
