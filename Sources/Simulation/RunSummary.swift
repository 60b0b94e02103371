import Foundation
import Coordinator
import CopyTradeCore
import CopyTradeProto

/// The figures per account at the end of a run, from the final state and the history, all in
/// exact decimals: what the terminal table and the report show.
public struct AccountSummary: Sendable, Hashable {
    public var id: String
    public var role: AccountRole
    /// Wallet plus unrealized PnL at the last mark.
    public var equity: Decimal8 = .zero
    public var wallet: Decimal8 = .zero
    /// Gross realized PnL (a liquidation's lost margin included); fees are separate.
    public var realizedPnl: Decimal8 = .zero
    public var fees: Decimal8 = .zero
    /// Margin moved into copies by margin sync (`sync.applied`/`sync.capped` additions).
    public var syncAdded: Decimal8 = .zero
    /// Margin moved back out by margin sync reductions (as a positive amount).
    public var syncReduced: Decimal8 = .zero
    /// Margin-sync signals this account skipped (any reason).
    public var syncSkipped = 0
    /// Margin added by auto margin addition.
    public var autoMarginAdded: Decimal8 = .zero
    public var liquidations = 0
    /// Copies closed by their take profit / stop loss (`copy.take_profit`, `copy.stop_loss`).
    public var takeProfits = 0
    public var stopLosses = 0
    /// Relations of this copier stopped by their stop loss (`relation.stopped`).
    public var relationStops = 0
    /// Profit share paid to traders (copier) and received from copiers (trader).
    public var profitSharePaid: Decimal8 = .zero
    public var profitShareReceived: Decimal8 = .zero
    /// Settlements that could not pay all that was due (`profit_share.short`).
    public var profitShareShort = 0
}

public struct RunSummary: Sendable {
    public var accounts: [AccountSummary]
    public var insurance: Decimal8
    public var events: Int

    /// Copiers first, then traders; ids in natural order (`C2` before `C10`).
    static func make(setups: [AccountSetup], views: [String: Copytrade_V1_AccountView], state: EngineState,
                     events: [Copytrade_V1_Event]) throws(DomainError) -> RunSummary {
        var rows: [String: AccountSummary] = [:]
        for s in setups {
            var r = AccountSummary(id: s.id, role: s.role)
            if let a = state.accounts[s.id] {
                r.wallet = a.wallet
                r.realizedPnl = a.realizedPnl
                r.fees = a.fees
            }
            r.equity = views[s.id].map { Decimal8(units: $0.equityE8) } ?? r.wallet
            rows[s.id] = r
        }
        for e in events {
            guard var r = rows[e.accountID] else { continue }
            let amount = Decimal8(units: e.amountE8)
            switch e.kind {
            case "sync.applied", "sync.capped":
                if amount.isPositive { r.syncAdded = try r.syncAdded + amount } else { r.syncReduced = try r.syncReduced + amount.magnitude }
            case "sync.skipped": r.syncSkipped += 1
            case "automargin.added": r.autoMarginAdded = try r.autoMarginAdded + amount
            case "liquidated": r.liquidations += 1
            case "copy.take_profit": r.takeProfits += 1
            case "copy.stop_loss": r.stopLosses += 1
            case "relation.stopped": r.relationStops += 1
            case "profit_share.paid": r.profitSharePaid = try r.profitSharePaid + amount
            case "profit_share.received": r.profitShareReceived = try r.profitShareReceived + amount
            case "profit_share.short": r.profitShareShort += 1
            default: continue
            }
            rows[e.accountID] = r
        }
        let ordered = setups.sorted { ($0.role == .copier ? 0 : 1, $0.id.count, $0.id) < ($1.role == .copier ? 0 : 1, $1.id.count, $1.id) }
        var summary = RunSummary(accounts: ordered.compactMap { rows[$0.id] }, insurance: state.insurance, events: events.count)
        for r in summary.accounts { summary.profitSharePaid = try summary.profitSharePaid + r.profitSharePaid }
        return summary
    }

    public static let columns = ["account", "role", "equity", "realized PnL", "fees", "sync added", "sync reduced", "sync skipped",
                                 "auto margin", "liquidations"]
    /// Shown when a run has any of them (``hasProtections``).
    public static let protectionColumns = ["take profits", "stop losses", "relation stops", "share paid", "share received"]

    // Run totals over every account.
    public var takeProfits: Int { accounts.reduce(0) { $0 + $1.takeProfits } }
    public var stopLosses: Int { accounts.reduce(0) { $0 + $1.stopLosses } }
    public var relationStops: Int { accounts.reduce(0) { $0 + $1.relationStops } }
    /// Profit share paid by every copier (what the traders received).
    public var profitSharePaid: Decimal8 = .zero
    public var profitShareShort: Int { accounts.reduce(0) { $0 + $1.profitShareShort } }

    /// True when a copy hit its take profit or stop loss, a relation stopped, or profit share moved.
    public var hasProtections: Bool {
        takeProfits + stopLosses + relationStops + profitShareShort > 0
            || accounts.contains { !$0.profitSharePaid.isZero || !$0.profitShareReceived.isZero }
    }

    /// The columns of this run's table: ``columns``, plus ``protectionColumns`` when it has any.
    public var shownColumns: [String] { Self.columns + (hasProtections ? Self.protectionColumns : []) }

    public func cells(_ r: AccountSummary) -> [String] {
        [r.id, r.role.rawValue, "\(r.equity)", "\(r.realizedPnl)", "\(r.fees)", "\(r.syncAdded)", "\(r.syncReduced)", "\(r.syncSkipped)",
         "\(r.autoMarginAdded)", "\(r.liquidations)"]
            + (hasProtections ? ["\(r.takeProfits)", "\(r.stopLosses)", "\(r.relationStops)", "\(r.profitSharePaid)", "\(r.profitShareReceived)"] : [])
    }

    /// The run's totals line: insurance and events, and the protections' counts when there are any.
    public var totals: String {
        "insurance ledger: \(insurance)   events: \(events)"
            + (hasProtections ? "   take profits: \(takeProfits)   stop losses: \(stopLosses)   relation stops: \(relationStops)"
                + "   profit share paid: \(profitSharePaid)" + (profitShareShort > 0 ? " (\(profitShareShort) short)" : "") : "")
    }

    /// An aligned text table; with more than `limit` rows, the first ones and a count of the rest.
    public func table(limit: Int = 40) -> String {
        let columns = shownColumns
        var lines = [columns]
        for r in accounts.prefix(limit) { lines.append(cells(r)) }
        var widths = columns.map(\.count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = lines.map { l in
            l.enumerated().map { i, c in i < 2 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
        }
        if accounts.count > limit { out.append("... and \(accounts.count - limit) more accounts (all in the report)") }
        out.append(totals)
        return out.joined(separator: "\n")
    }
}
