import Coordinator
import CopyTradeCore
import CopyTradeProto
import Pricing

/// A scenario file, parsed and validated (docs/scenarios.md): the market, the coordinator's
/// engine settings and module routes, the accounts, and a timeline of marks and scripted actions.
/// Times are milliseconds after ``Scenario/epochMs``, so every run of a file is the same run.
public struct Scenario: Sendable {
    /// Every scenario starts at 2026-01-01T00:00:00Z: histories are byte-identical across runs.
    public static let epochMs: Millis = 1_767_225_600_000

    public var name: String
    /// `description:`, free text shown (escaped) at the top of the report; empty when absent.
    public var description = ""
    /// The file it came from (as given), for messages and the report.
    public var file: String
    public var market: Market
    public var engine: EngineConfig
    public var routes: [ModuleName: ModuleRoute]
    public var accounts: [AccountSetup]
    /// Mark path per symbol, in time order.
    public var marks: [String: [PricePoint]]
    /// The `follows` section and the `actions` section together, in file order.
    public var actions: [ScriptedAction]

    public init(name: String, file: String, market: Market = .builtIn, engine: EngineConfig = EngineConfig(),
                routes: [ModuleName: ModuleRoute] = [:], accounts: [AccountSetup] = [], marks: [String: [PricePoint]] = [:],
                actions: [ScriptedAction] = []) {
        self.name = name
        self.file = file
        self.market = market
        self.engine = engine
        self.routes = routes
        self.accounts = accounts
        self.marks = marks
        self.actions = actions
    }

    /// Symbols with a mark path, sorted.
    public var symbols: [String] { marks.keys.sorted() }
}

/// An account created, and funded, before the timeline starts.
public struct AccountSetup: Sendable, Hashable {
    public var id: String
    public var role: AccountRole
    public var deposit: Decimal8
    public var region: String
    public var market: String
    /// A trader's profit-share ratio (0 to 0.5), set in the set-up after funding; nil: not set.
    public var profitShareRatio: Decimal8? = nil
    /// A trader's limit on copiers, set in the set-up after funding; nil: none.
    public var maxCopiers: Int? = nil
}

/// A mark price at a time after the scenario's start.
public struct PricePoint: Sendable, Hashable {
    public var at: Millis
    public var price: Decimal8
}

/// How a copier follows a trader.
public struct FollowSetup: Sendable, Hashable {
    public enum Mode: Sendable, Hashable {
        case multiplier(Decimal8)
        case fixedMargin(Decimal8)
    }
    public var copier: String
    public var trader: String
    public var mode: Mode
    public var leverage: Int
    public var marginMode: MarginMode = .isolated
    public var slippage: Decimal8?
    public var maxMarginPerOrder: Decimal8?
    public var maxTotalMargin: Decimal8?
    /// Copied positions start with auto margin on with this amount.
    public var autoMargin: Decimal8?
    /// Copier protections and limits (docs/protections.md); nil or empty: off.
    public var takeProfitRatio: Decimal8?
    public var stopLossRatio: Decimal8?
    /// The relation stops when its net result falls to minus this.
    public var stopLossAmount: Decimal8?
    /// What a relation stop does with open copies; nil: the engine's default (follow).
    public var closePolicy: Copytrade_V1_ClosePolicy?
    /// Symbols copied; empty: every symbol.
    public var symbols: [String] = []
    public var maxDailyMargin: Decimal8?
    /// Copy the trader's open positions when the relation is established.
    public var copyOpenPositions = false
}

/// `do: setRelation`: new values for some settings of an existing relation, others turned off.
public struct RelationChange: Sendable, Hashable {
    public var copier: String
    public var trader: String
    /// The values, as a follow carries them; only the settings named in `fields` are taken.
    public var settings: Copytrade_V1_FollowRequest
    /// Settings taken from `settings`, by the request's names (`tpRatio`, `autoMarginAmount`).
    public var fields: [String]
    /// Optional settings turned off, by the same names.
    public var clear: [String]
}

/// `do: setAccount` (and a trader's `profitShareRatio`/`maxCopiers` in `accounts`).
public struct AccountChange: Sendable, Hashable {
    public var account: String
    public var maxCopiers: Int?
    public var profitShareRatio: Decimal8?
    /// Settings turned off: `maxCopiers`.
    public var clear: [String] = []
}

extension Copytrade_V1_ClosePolicy {
    /// The scenario's name for it: `follow`, `market` or `detach`.
    var scenarioName: String {
        switch self {
        case .market: "market"
        case .detach: "detach"
        default: "follow"
        }
    }

    init?(scenarioName: String) {
        switch scenarioName {
        case "follow": self = .follow
        case "market": self = .market
        case "detach": self = .detach
        default: return nil
        }
    }
}

/// One scripted input: it occurs at `at` and reaches the coordinator at `deliverAt` (later:
/// delayed; earlier than another's: reordered), or never (`lost`).
public struct ScriptedAction: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case open(account: String, symbol: String, side: Side, quantity: Decimal8, price: Decimal8?, leverage: Int, mode: MarginMode)
        /// `quantity` nil: close all; `price` nil: at the mark.
        case close(account: String, symbol: String, quantity: Decimal8?, price: Decimal8?)
        /// Positive adds, negative reduces.
        case adjustMargin(account: String, symbol: String, delta: Decimal8)
        /// `amount` nil turns auto margin off.
        case autoMargin(account: String, symbol: String, amount: Decimal8?)
        case deposit(account: String, amount: Decimal8)
        case withdraw(account: String, amount: Decimal8)
        case follow(FollowSetup)
        /// `closePolicy` nil: the engine's default (follow).
        case unfollow(copier: String, trader: String, closePolicy: Copytrade_V1_ClosePolicy?)
        case setRelation(RelationChange)
        case setAccount(AccountChange)
        /// A profit-share settlement of one trader's relations, or of every relation (nil).
        case settle(trader: String?)
        /// Replaces the margin-sync rollout phases, as `copyctl rollout set` does.
        case rollout([Copytrade_V1_RolloutPhase])
    }

    public var kind: Kind
    public var at: Millis
    public var deliverAt: Millis
    public var lost: Bool
    /// Where it was written, e.g. `actions[3]`, and its line.
    public var path: String
    public var line: Int

    /// A short description for messages: `marginAdd T1 BTCUSDT 500`.
    public var summary: String {
        switch kind {
        case let .open(a, s, side, q, p, l, _): "open \(a) \(s) \(side.rawValue) \(q)" + (p.map { " @\($0)" } ?? "") + " \(l)x"
        case let .close(a, s, q, p): "close \(a) \(s)" + (q.map { " \($0)" } ?? " all") + (p.map { " @\($0)" } ?? "")
        case let .adjustMargin(a, s, d): (d.isNegative ? "marginReduce" : "marginAdd") + " \(a) \(s) \(d.magnitude)"
        case let .autoMargin(a, s, amount): amount.map { "autoMarginOn \(a) \(s) \($0)" } ?? "autoMarginOff \(a) \(s)"
        case let .deposit(a, amount): "deposit \(a) \(amount)"
        case let .withdraw(a, amount): "withdraw \(a) \(amount)"
        case let .follow(f): "follow \(f.copier) \(f.trader)"
        case let .unfollow(c, t, p): "unfollow \(c) \(t)" + (p.map { " closePolicy \($0.scenarioName)" } ?? "")
        case let .setRelation(r):
            "setRelation \(r.copier) \(r.trader)" + (r.fields.isEmpty ? "" : " " + r.fields.joined(separator: ","))
                + (r.clear.isEmpty ? "" : " clear " + r.clear.joined(separator: ","))
        case let .setAccount(a):
            "setAccount \(a.account)" + (a.profitShareRatio.map { " profitShareRatio \($0)" } ?? "")
                + (a.maxCopiers.map { " maxCopiers \($0)" } ?? "") + (a.clear.isEmpty ? "" : " clear " + a.clear.joined(separator: ","))
        case let .settle(t): "settle " + (t ?? "all")
        case let .rollout(phases): "rollout \(phases.count) phases"
        }
    }
}
