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
            default: continue
            }
            rows[e.accountID] = r
        }
        let ordered = setups.sorted { ($0.role == .copier ? 0 : 1, $0.id.count, $0.id) < ($1.role == .copier ? 0 : 1, $1.id.count, $1.id) }
        return RunSummary(accounts: ordered.compactMap { rows[$0.id] }, insurance: state.insurance, events: events.count)
    }

    public static let columns = ["account", "role", "equity", "realized PnL", "fees", "sync added", "sync reduced", "sync skipped",
                                 "auto margin", "liquidations"]

    public func cells(_ r: AccountSummary) -> [String] {
        [r.id, r.role.rawValue, "\(r.equity)", "\(r.realizedPnl)", "\(r.fees)", "\(r.syncAdded)", "\(r.syncReduced)", "\(r.syncSkipped)",
         "\(r.autoMarginAdded)", "\(r.liquidations)"]
    }

    /// An aligned text table; with more than `limit` rows, the first ones and a count of the rest.
    public func table(limit: Int = 40) -> String {
        var lines = [Self.columns]
        for r in accounts.prefix(limit) { lines.append(cells(r)) }
        var widths = Self.columns.map(\.count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = lines.map { l in
            l.enumerated().map { i, c in i < 2 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
        }
        if accounts.count > limit { out.append("... and \(accounts.count - limit) more accounts (all in the report)") }
        out.append("insurance ledger: \(insurance)   events: \(events)")
        return out.joined(separator: "\n")
    }
}
