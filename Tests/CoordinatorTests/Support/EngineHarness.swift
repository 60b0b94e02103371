import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

/// The engine and its state in process, fed one input at a time as the sequencer would
/// (decide, then apply): for tests of the engine's rules that need no journal or socket.
struct EngineHarness {
    static let e8: Int64 = 100_000_000
    var engine: Engine
    var state = EngineState()
    var clockMs: Int64 = 1_700_000_000_000
    /// What the last accepted input changed.
    var lastChanges = StateChanges()
    private var n = 0

    init(modules: ModuleSet = .inProcess()) {
        engine = Engine(modules: modules)
    }

    /// Decides and applies one input; a refusal throws and leaves the state as it was.
    @discardableResult
    mutating func run(_ fill: (inout Copytrade_V1_Input) -> Void) async throws -> StateChanges {
        var input = Copytrade_V1_Input()
        clockMs += 1_000
        input.receivedMs = clockMs
        fill(&input)
        n += 1
        let changes = try await engine.decide(input, key: "k-\(n)", state: state)
        state.apply(changes)
        lastChanges = changes
        return changes
    }

    static func e8(_ text: String) -> Int64 { (try! Decimal8(parsing: text)).e8 }

    mutating func account(_ id: String, trader: Bool, deposit: String) async throws {
        try await run {
            $0.createAccount.accountID = id
            $0.createAccount.role = trader ? .trader : .copier
        }
        try await run {
            $0.deposit.accountID = id
            $0.deposit.amountE8 = Self.e8(deposit)
        }
    }

    @discardableResult
    mutating func mark(_ symbol: String, _ price: String) async throws -> StateChanges {
        try await run {
            $0.setMark.symbol = symbol
            $0.setMark.priceE8 = Self.e8(price)
        }
    }

    @discardableResult
    mutating func open(_ account: String, _ symbol: String, long: Bool, qty: String, price: String,
                       leverage: Int32 = 10, cross: Bool = false) async throws -> StateChanges {
        try await run {
            $0.open.accountID = account
            $0.open.symbol = symbol
            $0.open.side = long ? .long : .short
            $0.open.quantityE8 = Self.e8(qty)
            $0.open.priceE8 = Self.e8(price)
            $0.open.leverage = leverage
            $0.open.marginMode = cross ? .cross : .isolated
        }
    }

    @discardableResult
    mutating func close(_ account: String, _ symbol: String) async throws -> StateChanges {
        try await run {
            $0.close.accountID = account
            $0.close.symbol = symbol
        }
    }

    @discardableResult
    mutating func withdraw(_ account: String, _ amount: String) async throws -> StateChanges {
        try await run {
            $0.withdraw.accountID = account
            $0.withdraw.amountE8 = Self.e8(amount)
        }
    }

    mutating func follow(_ copier: String, _ trader: String, multiplier: String = "1", cross: Bool = false,
                         autoMargin: String? = nil) async throws {
        try await run {
            $0.follow.copierID = copier
            $0.follow.traderID = trader
            $0.follow.mode = .proportional
            $0.follow.multiplierE8 = Self.e8(multiplier)
            $0.follow.leverage = 10
            $0.follow.marginMode = cross ? .cross : .isolated
            if let autoMargin { $0.follow.autoMarginAmountE8 = Self.e8(autoMargin) }
        }
    }

    func balances(_ id: String) throws -> AccountBalances {
        try EngineTransaction(base: state, inputKey: "", nowMs: clockMs).balances(of: id)
    }

    /// The account's cross evaluation now (nil without cross positions).
    func crossEvaluation(_ id: String) async throws -> Copytrade_V1_AccountEvaluation? {
        try await engine.crossEvaluation(of: id, tx: EngineTransaction(base: state, inputKey: "", nowMs: clockMs))
    }
}
