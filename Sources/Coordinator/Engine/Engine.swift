import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime
import Pricing
import Sizing
import Sync

/// Engine settings (documented in the README's configuration section).
public struct EngineConfig: Sendable {
    /// Margin model preset for every position (SPEC §3).
    public var preset = "bingx"
    /// How long a trader's margin signals are held to be put in occurrence order (SPEC §5).
    public var reorderWindowMs: Millis = 500
    /// Signals older than this when received are dropped (SPEC §5).
    public var maxSignalDelayMs: Millis = 60_000
    /// Auto-margin policy asked of the margin module; empty: the module's own default
    /// (the built-in module's is "fixed", the C plugin's "target-risk").
    public var autoMarginPolicy = ""
    /// Target risk rate for target-risk policies; zero: the module's default.
    public var targetRiskRate: Decimal8 = .zero
    /// When profit share is settled on the coordinator's own schedule (docs/protections.md).
    public var settlementSchedule = SettlementSchedule.standard
    /// Margin-sync rollout; by default everyone is eligible from the epoch.
    public var rollout: [Copytrade_V1_RolloutPhase] = {
        var p = Copytrade_V1_RolloutPhase()
        p.name = "everyone"
        p.rule = .everyone
        return [p]
    }()

    public init() {}
}

/// Decides the outcome of one input against the current state, asking the modules in domain
/// values (``ModuleSet``; docs/decisions.md, "Coordinator"). It never
/// changes the state itself (apart from the liquidation index's bookkeeping): it returns the
/// changes, which the sequencer journals and then applies.
public struct Engine: Sendable {
    public var modules: ModuleSet
    public var config: EngineConfig
    public var market: Market
    /// This engine's shard among the cluster's; one process is ``ShardLayout/single``.
    public var layout: ShardLayout
    /// Other shards' accounts, for follows of a trader on another shard (nil in one process).
    public var directory: (any AccountDirectory)?

    public init(modules: ModuleSet, config: EngineConfig = EngineConfig(), market: Market = .builtIn,
                layout: ShardLayout = .single, directory: (any AccountDirectory)? = nil) {
        self.modules = modules
        self.config = config
        self.market = market
        self.layout = layout
        self.directory = directory
    }

    /// The outcome of `input`; a refusal throws ``DomainError`` and changes nothing.
    public func decide(_ input: Copytrade_V1_Input, key: String, state: EngineState) async throws -> StateChanges {
        let now = input.receivedMs
        try checkOccurrence(input)
        try checkOwnership(input)
        var tx = EngineTransaction(base: state, inputKey: key, nowMs: now, layout: layout)
        switch input.kind {
        case .createAccount(let r): try createAccount(r, &tx)
        case .deposit(let r): try deposit(r, &tx)
        case .withdraw(let r): try await withdraw(r, &tx)
        case .follow(let r): try await follow(r, &tx)
        case .unfollow(let r): try await unfollow(r, &tx)
        case .pause(let r): try setPaused(r, true, &tx)
        case .resume(let r): try setPaused(r, false, &tx)
        case .open(let r): try await open(r, &tx)
        case .close(let r): try await close(r, &tx)
        case .adjustMargin(let r): try await adjustMargin(r, &tx)
        case .placeOrder(let r): try await placeOrder(r, &tx)
        case .cancelOrder(let r): try cancelOrder(r, &tx)
        case .setMark(let r): try await setMark(r, &tx, state: state)
        case .setAutoMargin(let r): try setAutoMargin(r, &tx)
        case .syncRelease(let r): try await releaseSignals(r, &tx)
        case .setRollout(let r): try setRollout(r, &tx)
        case .setRelation(let r): try await setRelation(r, &tx)
        case .setAccount(let r): try setAccount(r, &tx)
        case .settle(let r):
            // Only the coordinator's own schedule runs a scheduled settlement (its keys are a
            // namespace clients cannot write).
            if r.scheduled, !key.hasPrefix(IdempotencyKey.schedulePrefix) {
                throw DomainError.invalid("scheduled", "is set only by the coordinator's own schedule")
            }
            try await settle(r, &tx)
        case .shardMessage(let m):
            do {
                try await apply(m, &tx, state: state)
            } catch let refusal as DomainError where refusal.code != .unavailable {
                // A message cannot be sent back: its refusal is recorded, so the source's stream
                // goes on and the history says why (docs/sharding.md). UNAVAILABLE is retried.
                tx = EngineTransaction(base: state, inputKey: key, nowMs: now, layout: layout)
                tx.event(.shardMessageRefused, reason: refusal.code.rawValue,
                         detail: "message \(m.sourceShard):\(m.sourceSequence):\(m.index): \(refusal.message)")
            }
        case nil: throw DomainError.invalid("input", "is empty")
        }
        try await relationAftermath(&tx)
        try Self.checkAccounting(tx.changes)
        return tx.changes
    }

    /// SPEC §7's identity, `deposits - withdrawals + realized PnL - fees = wallet`, for every
    /// account the input touched: whatever a module answered, an outcome that breaks it is
    /// refused whole and nothing is applied.
    static func checkAccounting(_ changes: StateChanges) throws(DomainError) {
        for a in changes.accounts.values where !a.identityHolds {
            throw DomainError(.internal, field: "",
                              "the outcome breaks the accounting identity of \(a.id) (wallet \(a.wallet)); refused, nothing applied")
        }
    }

    /// Occurrence time: the request's `at_ms`, or the receive time when absent (bounded by
    /// ``checkOccurrence(_:)`` before any input is decided).
    func occurred(_ atMs: Int64, _ tx: EngineTransaction) -> Millis { atMs > 0 ? atMs : tx.nowMs }

    func spec(_ symbol: String) throws(DomainError) -> SymbolSpec { try market.spec(for: symbol) }

    func requireAccount(_ id: String, _ tx: EngineTransaction, field: String = "account") throws(DomainError) -> AccountRecord {
        guard !id.isEmpty else { throw DomainError.invalid(field, "is required") }
        guard let a = tx.account(id) else { throw DomainError.notFound(field, "no account \"\(id)\"") }
        return a
    }

    func positive(_ e8: Int64, _ field: String) throws(DomainError) -> Decimal8 {
        let d = Decimal8(e8: e8)
        guard d.isPositive else { throw DomainError.invalid(field, "must be greater than 0") }
        return d
    }
}
