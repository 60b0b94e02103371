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

    public init(id: String, role: AccountRole, region: String = "", market: String = "") {
        self.id = id
        self.role = role
        self.region = region
        self.market = market
    }

    /// True when the wallet equals what its history says it should.
    public var identityHolds: Bool {
        guard let expected = try? deposits - withdrawals + realizedPnl - fees else { return false }
        return expected == wallet
    }
}

/// An open position. A copier's position copied from a trader's keeps the link, which is how a
/// trader's close or margin change finds every copy.
public struct PositionRecord: Sendable, Hashable {
    public var id: String
    public var account: String
    public var symbol: String
    public var side: Side
    public var quantity: Decimal8
    public var entry: Decimal8
    /// Isolated margin; for cross positions, the initial margin `q*E/L` counted as a requirement.
    public var margin: Decimal8
    public var leverage: Int
    public var mode: MarginMode
    /// Auto margin amount A when on (SPEC §3), nil when off.
    public var autoMargin: Decimal8?
    /// The trader position this copies, nil for a trader's own.
    public var copiedFrom: String?
    public var relationID: String?
    public var openedMs: Millis
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

    public func leverage(for symbol: String) -> Int { symbolLeverage[symbol] ?? leverage }
    public func marginMode(for symbol: String) -> MarginMode { symbolMarginMode[symbol] ?? marginMode }
}
