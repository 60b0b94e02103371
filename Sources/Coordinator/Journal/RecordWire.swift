import CopyTradeCore
import CopyTradeProto
import ModuleRuntime

/// Records ↔ wire messages, for the journal, snapshots and the control API.
enum RecordWire {
    static func wire(_ a: AccountRecord) -> Copytrade_V1_Account {
        var w = Copytrade_V1_Account()
        w.accountID = a.id
        w.role = a.role == .trader ? .trader : .copier
        w.walletBalanceE8 = a.wallet.e8
        w.depositsE8 = a.deposits.e8
        w.withdrawalsE8 = a.withdrawals.e8
        w.realizedPnlE8 = a.realizedPnl.e8
        w.feesE8 = a.fees.e8
        w.region = a.region
        w.market = a.market
        w.profitSharePaidE8 = a.profitSharePaid.e8
        w.profitShareReceivedE8 = a.profitShareReceived.e8
        w.maxCopiers = Int32(clamping: a.maxCopiers ?? 0)
        w.profitShareRatioE8 = a.profitShareRatio.e8
        return w
    }

    static func account(_ w: Copytrade_V1_Account) -> AccountRecord {
        var a = AccountRecord(id: w.accountID, role: w.role == .trader ? .trader : .copier, region: w.region, market: w.market)
        a.wallet = Decimal8(e8: w.walletBalanceE8)
        a.deposits = Decimal8(e8: w.depositsE8)
        a.withdrawals = Decimal8(e8: w.withdrawalsE8)
        a.realizedPnl = Decimal8(e8: w.realizedPnlE8)
        a.fees = Decimal8(e8: w.feesE8)
        a.profitSharePaid = Decimal8(e8: w.profitSharePaidE8)
        a.profitShareReceived = Decimal8(e8: w.profitShareReceivedE8)
        a.maxCopiers = w.maxCopiers > 0 ? Int(w.maxCopiers) : nil
        a.profitShareRatio = Decimal8(e8: w.profitShareRatioE8)
        return a
    }

    static func wire(_ p: PositionRecord) -> Copytrade_V1_Position {
        var s = Copytrade_V1_PositionState()
        s.symbol = p.symbol
        s.side = p.side.wire
        s.quantityE8 = p.quantity.e8
        s.entryPriceE8 = p.entry.e8
        s.marginE8 = p.margin.e8
        s.leverage = Int32(clamping: p.leverage)
        s.marginMode = p.mode.wire
        var w = Copytrade_V1_Position()
        w.positionID = p.id
        w.accountID = p.account
        w.state = s
        w.autoMargin = p.autoMargin != nil
        w.autoMarginAmountE8 = p.autoMargin?.e8 ?? 0
        w.liquidationPriceE8 = p.liquidationPrice?.e8 ?? 0
        w.copiedFromPositionID = p.copiedFrom ?? ""
        w.relationID = p.relationID ?? ""
        w.openedMs = p.openedMs
        w.hasLiquidationPrice_p = p.liquidationPrice != nil
        w.takeProfitPriceE8 = p.triggers.takeProfit?.e8 ?? 0
        w.stopLossPriceE8 = p.triggers.stopLoss?.e8 ?? 0
        w.openFeesE8 = p.openFees.e8
        return w
    }

    static func position(_ w: Copytrade_V1_Position) -> PositionRecord {
        let s = w.state
        var p = PositionRecord(id: w.positionID, account: w.accountID, symbol: s.symbol, side: s.side == .short ? .short : .long,
                               quantity: Decimal8(e8: s.quantityE8), entry: Decimal8(e8: s.entryPriceE8),
                               margin: Decimal8(e8: s.marginE8), leverage: Int(s.leverage), mode: MarginMode(wire: s.marginMode),
                               autoMargin: w.autoMargin ? Decimal8(e8: w.autoMarginAmountE8) : nil,
                               copiedFrom: w.copiedFromPositionID.isEmpty ? nil : w.copiedFromPositionID,
                               relationID: w.relationID.isEmpty ? nil : w.relationID, openedMs: w.openedMs)
        p.liquidationPrice = w.hasLiquidationPrice_p ? Decimal8(e8: w.liquidationPriceE8) : nil
        p.triggers = CopyTriggers(takeProfit: w.takeProfitPriceE8 > 0 ? Decimal8(e8: w.takeProfitPriceE8) : nil,
                                  stopLoss: w.stopLossPriceE8 > 0 ? Decimal8(e8: w.stopLossPriceE8) : nil)
        p.openFees = Decimal8(e8: w.openFeesE8)
        return p
    }

    static func wire(_ o: OrderRecord) -> Copytrade_V1_Order {
        var w = Copytrade_V1_Order()
        w.orderID = o.id
        w.accountID = o.account
        w.symbol = o.symbol
        w.side = o.side.wire
        w.quantityE8 = o.quantity.e8
        w.priceE8 = o.price.e8
        w.heldMarginE8 = o.heldMargin.e8
        w.leverage = Int32(clamping: o.leverage)
        w.status = .open
        w.createdMs = o.createdMs
        return w
    }

    static func order(_ w: Copytrade_V1_Order) -> OrderRecord {
        OrderRecord(id: w.orderID, account: w.accountID, symbol: w.symbol, side: w.side == .short ? .short : .long,
                    quantity: Decimal8(e8: w.quantityE8), price: Decimal8(e8: w.priceE8), leverage: Int(w.leverage),
                    heldMargin: Decimal8(e8: w.heldMarginE8), createdMs: w.createdMs)
    }

    static func wire(_ r: RelationRecord) -> Copytrade_V1_CopyRelation {
        var w = Copytrade_V1_CopyRelation()
        w.relationID = r.id
        w.copierID = r.copier
        w.traderID = r.trader
        switch r.mode {
        case .proportional(let m):
            w.mode = .proportional
            w.multiplierE8 = m.e8
        case .fixed(let b):
            w.mode = .fixed
            w.fixedMarginE8 = b.e8
        }
        w.leverage = Int32(clamping: r.leverage)
        w.symbolLeverage = r.symbolLeverage.mapValues { Int32(clamping: $0) }
        w.marginMode = r.marginMode.wire
        w.symbolMarginMode = r.symbolMarginMode.mapValues(\.wire)
        w.hasSlippage_p = r.slippage != nil
        w.slippageE8 = r.slippage?.e8 ?? 0
        w.maxMarginPerOrderE8 = r.maxMarginPerOrder?.e8 ?? 0
        w.maxTotalMarginE8 = r.maxTotalMargin?.e8 ?? 0
        w.establishedMs = r.establishedMs
        w.paused = r.paused
        w.autoMarginAmountE8 = r.autoMarginAmount?.e8 ?? 0
        w.tpRatioE8 = r.takeProfitRatio?.e8 ?? 0
        w.slRatioE8 = r.stopLossRatio?.e8 ?? 0
        w.stopLossAmountE8 = r.stopLossAmount?.e8 ?? 0
        w.closePolicy = r.closePolicy.wire
        w.symbols = r.symbols
        w.maxDailyMarginE8 = r.maxDailyMargin?.e8 ?? 0
        w.dailyMarginDay = r.dailyMarginDay
        w.dailyMarginUsedE8 = r.dailyMarginUsed.e8
        w.status = r.status.wire
        w.endedMs = r.endedMs
        w.profitShareRatioE8 = r.profitShareRatio.e8
        w.realizedPnlE8 = r.realizedPnl.e8
        w.feesE8 = r.fees.e8
        w.sharedE8 = r.shared.e8
        return w
    }

    static func relation(_ w: Copytrade_V1_CopyRelation) -> RelationRecord {
        let mode: RelationRecord.Mode = w.mode == .fixed ? .fixed(margin: Decimal8(e8: w.fixedMarginE8))
            : .proportional(multiplier: Decimal8(e8: w.multiplierE8))
        var r = RelationRecord(id: w.relationID, copier: w.copierID, trader: w.traderID, mode: mode, leverage: Int(w.leverage),
                               establishedMs: w.establishedMs)
        // Most relations have no per-symbol settings: `mapValues` on an empty map still
        // allocates a table (112 bytes each, two per relation), so empty stays the shared empty.
        if !w.symbolLeverage.isEmpty { r.symbolLeverage = w.symbolLeverage.mapValues { Int($0) } }
        r.marginMode = MarginMode(wire: w.marginMode)
        if !w.symbolMarginMode.isEmpty { r.symbolMarginMode = w.symbolMarginMode.mapValues { MarginMode(wire: $0) } }
        r.slippage = w.hasSlippage_p ? Decimal8(e8: w.slippageE8) : nil
        r.maxMarginPerOrder = w.maxMarginPerOrderE8 > 0 ? Decimal8(e8: w.maxMarginPerOrderE8) : nil
        r.maxTotalMargin = w.maxTotalMarginE8 > 0 ? Decimal8(e8: w.maxTotalMarginE8) : nil
        r.paused = w.paused
        r.autoMarginAmount = w.autoMarginAmountE8 > 0 ? Decimal8(e8: w.autoMarginAmountE8) : nil
        r.takeProfitRatio = w.tpRatioE8 > 0 ? Decimal8(e8: w.tpRatioE8) : nil
        r.stopLossRatio = w.slRatioE8 > 0 ? Decimal8(e8: w.slRatioE8) : nil
        r.stopLossAmount = w.stopLossAmountE8 > 0 ? Decimal8(e8: w.stopLossAmountE8) : nil
        r.closePolicy = (try? ClosePolicy(wire: w.closePolicy, field: "closePolicy")) ?? .follow
        r.symbols = w.symbols
        r.maxDailyMargin = w.maxDailyMarginE8 > 0 ? Decimal8(e8: w.maxDailyMarginE8) : nil
        r.dailyMarginDay = w.dailyMarginDay
        r.dailyMarginUsed = Decimal8(e8: w.dailyMarginUsedE8)
        r.status = RelationStatus(wire: w.status)
        r.endedMs = w.endedMs
        r.profitShareRatio = Decimal8(e8: w.profitShareRatioE8)
        r.realizedPnl = Decimal8(e8: w.realizedPnlE8)
        r.fees = Decimal8(e8: w.feesE8)
        r.shared = Decimal8(e8: w.sharedE8)
        return r
    }

    static func wire(_ t: TraderSettings) -> Copytrade_V1_TraderSettings {
        var w = Copytrade_V1_TraderSettings()
        w.traderID = t.trader
        w.maxCopiers = Int32(clamping: t.maxCopiers ?? 0)
        w.profitShareRatioE8 = t.profitShareRatio.e8
        return w
    }

    static func traderSettings(_ w: Copytrade_V1_TraderSettings) -> TraderSettings {
        TraderSettings(trader: w.traderID, maxCopiers: w.maxCopiers > 0 ? Int(w.maxCopiers) : nil,
                       profitShareRatio: Decimal8(e8: w.profitShareRatioE8))
    }
}

extension ClosePolicy {
    var wire: Copytrade_V1_ClosePolicy {
        switch self {
        case .follow: .follow
        case .market: .market
        case .detach: .detach
        }
    }

    /// Unspecified is the default, follow; an unknown value is refused naming `field`.
    init(wire: Copytrade_V1_ClosePolicy, field: String) throws(DomainError) {
        switch wire {
        case .unspecified, .follow: self = .follow
        case .market: self = .market
        case .detach: self = .detach
        case .UNRECOGNIZED: throw DomainError.invalid(field, "must be follow, market or detach")
        }
    }
}

extension RelationStatus {
    var wire: Copytrade_V1_RelationStatus {
        switch self {
        case .following: .unspecified
        case .stopped: .stopped
        case .ended: .ended
        }
    }

    init(wire: Copytrade_V1_RelationStatus) {
        switch wire {
        case .stopped: self = .stopped
        case .ended: self = .ended
        default: self = .following
        }
    }
}
