import Calculators
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
        return o
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
        if !p.copiedFromPositionID.isEmpty { o.add("copiedFrom", p.copiedFromPositionID) }
        return o
    }

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
        let header = ["POSITION", "ACCOUNT", "SYMBOL", "SIDE", "QTY", "ENTRY", "MARGIN", "LEV", "LIQ", "RISK", "AUTO", "COPIES"]
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
