import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import Testing
@testable import Coordinator

/// The whole coordinator in process: a sequencer over an in-memory journal on a manual clock.
/// Time moves only when a test says so, so timing rules (the reorder window, stale signals) are
/// tested exactly, with no wall-clock retries.
struct CoordinatorHarness {
    static let e8: Int64 = 100_000_000
    static let t0: Int64 = 1_700_000_000_000
    let sequencer: Sequencer
    let clock: ManualClock
    let store: InMemoryJournalStore

    init(reorderWindowMs: Int64 = 500, store: InMemoryJournalStore = InMemoryJournalStore(),
         modules: ModuleSet = .inProcess(), policy: SequencerPolicy = SequencerPolicy(),
         clock: ManualClock = ManualClock(startMs: CoordinatorHarness.t0)) async throws {
        var config = EngineConfig()
        config.reorderWindowMs = reorderWindowMs
        self.clock = clock
        self.store = store
        sequencer = try await Sequencer(engine: Engine(modules: modules, config: config), store: store, clock: clock,
                                        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), policy: policy)
    }

    /// Moves the clock to `t0 + ms` and releases whatever signals are due then.
    func at(_ ms: Int64) async {
        clock.set(Self.t0 + ms)
        await sequencer.releaseDueSignals()
    }

    @discardableResult
    func submit(_ key: String = "", _ fill: (inout Copytrade_V1_Input) -> Void) async throws -> Copytrade_V1_InputResult {
        var input = Copytrade_V1_Input()
        fill(&input)
        return try await sequencer.submit(input, key: key)
    }

    static func e8(_ text: String) -> Int64 { (try! Decimal8(parsing: text)).e8 }

    func account(_ id: String, trader: Bool, deposit: String) async throws {
        try await submit { $0.createAccount.accountID = id; $0.createAccount.role = trader ? .trader : .copier }
        try await submit { $0.deposit.accountID = id; $0.deposit.amountE8 = Self.e8(deposit) }
    }

    /// SPEC's seed scenario: T opens 0.5 BTCUSDT long at 20,000 10x; copiers A, B, C follow at
    /// multipliers 0.25, 1 and 5 (C is short of balance after its copy: 1025.049 available).
    func seedScenario(followAtMs: Int64 = 0) async throws {
        try await account("T", trader: true, deposit: "100000")
        for (id, m, deposit) in [("A", "0.25", "100000"), ("B", "1", "100000"), ("C", "5", "6000")] {
            try await account(id, trader: false, deposit: deposit)
            try await submit {
                $0.follow.copierID = id
                $0.follow.traderID = "T"
                $0.follow.multiplierE8 = Self.e8(m)
                $0.follow.leverage = 10
                if followAtMs != 0 { $0.follow.atMs = Self.t0 + followAtMs }
            }
        }
        try await submit { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = Self.e8("20000") }
        try await open(quantity: "0.5", price: "20000")
    }

    /// `trader` opens `quantity` BTCUSDT long at `price`, 10x (isolated, the default).
    @discardableResult
    func open(_ trader: String = "T", quantity: String, price: String, key: String = "") async throws -> Copytrade_V1_InputResult {
        try await submit(key) {
            $0.open.accountID = trader
            $0.open.symbol = "BTCUSDT"
            $0.open.side = .long
            $0.open.quantityE8 = Self.e8(quantity)
            $0.open.priceE8 = Self.e8(price)
            $0.open.leverage = 10
        }
    }

    /// The trader's margin adjustment, occurring at `t0 + occurredMs`.
    @discardableResult
    func adjust(_ delta: String, occurredMs: Int64) async throws -> Copytrade_V1_InputResult {
        try await submit {
            $0.adjustMargin.accountID = "T"
            $0.adjustMargin.symbol = "BTCUSDT"
            $0.adjustMargin.deltaE8 = Self.e8(delta)
            $0.adjustMargin.atMs = Self.t0 + occurredMs
        }
    }

    func margin(of account: String) async -> Decimal8? {
        let state = await sequencer.snapshotOfState
        return state.positions.values.first { $0.account == account && $0.symbol == "BTCUSDT" }?.margin
    }

    /// Every journaled event, in order.
    func events() async throws -> [Copytrade_V1_Event] {
        try await sequencer.history(account: "", afterEvent: 0, limit: 1_000_000, kindPrefix: "")
    }
}
