import CopyTradeCore

/// Whether an account leads or follows.
public enum AccountRole: String, Sendable, Hashable, Codable {
    case trader
    case copier
}

/// A wallet and its running totals. The totals exist so the accounting identity of SPEC §7,
/// `deposits - withdrawals + realizedPnl - fees = wallet`, can be checked at any time.
public struct AccountRecord: Sendable, Hashable {
    public var id: String
    public var role: AccountRole
    public var wallet: Decimal8 = .zero
    public var deposits: Decimal8 = .zero
    public var withdrawals: Decimal8 = .zero
    /// Gross realized PnL (fees are counted separately in `fees`).
    public var realizedPnl: Decimal8 = .zero
    public var fees: Decimal8 = .zero
    /// Rollout attributes of a trader.
    public var region: String = ""
    public var market: String = ""
    /// Profit share this account paid to traders and received from copiers (docs/protections.md).
    public var profitSharePaid: Decimal8 = .zero
    public var profitShareReceived: Decimal8 = .zero
    /// A trader's limit on following relations; nil: none.
    public var maxCopiers: Int?
    /// A trader's profit-share ratio r (0 to 0.5); zero: off.
    public var profitShareRatio: Decimal8 = .zero

    public init(id: String, role: AccountRole, region: String = "", market: String = "") {
        self.id = id
        self.role = role
        self.region = region
        self.market = market
    }

    /// True when the wallet equals what its history says it should (SPEC §7, with profit
    /// sharing: `deposits - withdrawals + realized - fees - paid + received = wallet`).
    public var identityHolds: Bool {
        guard let expected = try? deposits - withdrawals + realizedPnl - fees - profitSharePaid + profitShareReceived else { return false }
        return expected == wallet
    }
}

/// An open position. A copier's position copied from a trader's keeps the link, which is how a
/// trader's close or margin change finds every copy.
public struct PositionRecord: Sendable, Hashable {
    // Stored in this order on purpose: the one-byte fields follow an optional decimal and fill
    // its padding (192 bytes became 176; a million open positions are a million of these,
    // issue 13's memory profile).
    public var id: String
    public var account: String
    public var symbol: String
    public var quantity: Decimal8
    public var entry: Decimal8
    /// Isolated margin; for cross positions, the initial margin `q*E/L` counted as a requirement.
    public var margin: Decimal8
    public var leverage: Int
    /// The trader position this copies, nil for a trader's own.
    public var copiedFrom: String?
    public var relationID: String?
    public var openedMs: Millis
    /// A copy's take-profit and stop-loss trigger prices on the tick (docs/protections.md),
    /// from its relation's ratios; kept so the trigger index is rebuilt on recovery as it was.
    public var triggers = CopyTriggers()
    /// Opening fees paid on the open quantity: moved into the relation's result, share by share,
    /// as the quantity closes (the fan-out then writes no relation record).
    public var openFees: Decimal8 = .zero
    /// Auto margin amount A when on (SPEC §3), nil when off.
    public var autoMargin: Decimal8?
    public var side: Side
    public var mode: MarginMode
    /// The exact liquidation price the margin strategy gave when the position last changed;
    /// nil when it has none (or is cross). Kept so the liquidation index can be rebuilt on
    /// recovery without asking a module again.
    public var liquidationPrice: Decimal8?

    public init(id: String, account: String, symbol: String, side: Side, quantity: Decimal8, entry: Decimal8,
                margin: Decimal8, leverage: Int, mode: MarginMode, autoMargin: Decimal8? = nil,
                copiedFrom: String? = nil, relationID: String? = nil, openedMs: Millis) {
        self.id = id
        self.account = account
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.entry = entry
        self.margin = margin
        self.leverage = leverage
        self.mode = mode
        self.autoMargin = autoMargin
        self.copiedFrom = copiedFrom
        self.relationID = relationID
        self.openedMs = openedMs
    }
}

extension PositionRecord {
    /// `s*q*(P - E)` for `quantity` of this position at `price`, exact (SPEC §3's U(P)): what a
    /// close books (rounded down), what a relation's net result and a cross account count.
    func pnl(_ quantity: Decimal8, at price: Decimal8) throws(DomainError) -> ExactDecimal {
        try ExactDecimal(integer: side.sign) * quantity.exact * (try price.exact - entry.exact)
    }
}

/// A resting limit order. It holds `heldMargin` (margin plus opening fee at its price) out of the
/// available balance until it is cancelled.
public struct OrderRecord: Sendable, Hashable {
    public var id: String
    public var account: String
    public var symbol: String
    public var side: Side
    public var quantity: Decimal8
    public var price: Decimal8
    public var leverage: Int
    public var heldMargin: Decimal8
    public var createdMs: Millis
}

/// How a copier follows a trader (SPEC §4).
public struct RelationRecord: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        case proportional(multiplier: Decimal8)
        case fixed(margin: Decimal8)
    }

    public var id: String
    public var copier: String
    public var trader: String
    public var mode: Mode
    public var leverage: Int
    public var symbolLeverage: [String: Int] = [:]
    public var marginMode: MarginMode = .isolated
    public var symbolMarginMode: [String: MarginMode] = [:]
    /// Slippage ratio k; nil uses the symbol's default.
    public var slippage: Decimal8?
    public var maxMarginPerOrder: Decimal8?
    public var maxTotalMargin: Decimal8?
    public var establishedMs: Millis
    public var paused = false
    /// When set, copied positions start with auto margin on with this amount.
    public var autoMarginAmount: Decimal8?

    // Copier protections and limits (docs/protections.md); nil or empty: off.
    public var takeProfitRatio: Decimal8?
    public var stopLossRatio: Decimal8?
    /// The relation stops when its net result falls to minus this.
    public var stopLossAmount: Decimal8?
    public var closePolicy: ClosePolicy = .follow
    /// Symbols copied; empty: every symbol.
    public var symbols: [String] = []
    public var maxDailyMargin: Decimal8?
    /// UTC day (days since the epoch) of ``dailyMarginUsed``.
    public var dailyMarginDay: Int64 = 0
    public var dailyMarginUsed: Decimal8 = .zero
    public var status: RelationStatus = .following
    public var endedMs: Millis = 0

    // Result and profit sharing (docs/protections.md).
    /// The trader's ratio, taken when the relation is established and on each change.
    public var profitShareRatio: Decimal8 = .zero
    /// Gross realized PnL of the relation's closed copy quantity.
    public var realizedPnl: Decimal8 = .zero
    /// Opening and closing fees of the relation's closed copy quantity.
    public var fees: Decimal8 = .zero
    /// Profit share paid so far: the high-water mark.
    public var shared: Decimal8 = .zero

    /// The cumulative net profit N of SPEC §9: closed results only.
    public var netProfit: Decimal8 { get throws(DomainError) { try realizedPnl - fees } }
    /// True while new copies may be placed (paused relations are asked and skip with a reason).
    public var isFollowing: Bool { status == .following }
    public func copies(_ symbol: String) -> Bool { symbols.isEmpty || symbols.contains(symbol) }

    public func leverage(for symbol: String) -> Int { symbolLeverage[symbol] ?? leverage }
    public func marginMode(for symbol: String) -> MarginMode { symbolMarginMode[symbol] ?? marginMode }
}

extension RelationRecord {
    /// The same settings under another id (a follow checks its settings before taking an id).
    init(copying r: RelationRecord, id: String) {
        self = r
        self.id = id
    }
}

/// What happens to a relation's open copies when it stops or is unfollowed (docs/protections.md).
public enum ClosePolicy: String, Sendable, Hashable, CaseIterable {
    /// They stay linked and close when the trader closes.
    case follow
    /// They are closed at their marks now.
    case market
    /// They stay open, unlinked: the copier's own.
    case detach
}

/// Where a relation is in its life.
public enum RelationStatus: String, Sendable, Hashable {
    /// Copying (``RelationRecord/paused`` says whether copies are placed).
    case following
    /// Its stop loss was reached: no new copies; unfollow ends it.
    case stopped
    /// Unfollowed: kept only while copies it linked stay open, so their results still count.
    case ended
}
