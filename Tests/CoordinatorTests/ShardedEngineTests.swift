import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

/// The engine's half of sharding (docs/sharding.md), with no journal, socket or PostgreSQL:
/// engines of one layout each, inputs routed by ``ShardRoute``, messages delivered in each
/// source's order until none is left. The same random inputs must give every account the same
/// result as one engine holding everything.
@Suite("Sharded engine")
struct ShardedEngineTests {
    @Test("random inputs over 3 shards give every account the same result as one engine", arguments: [11, 29, 47, 83, 101] as [UInt64])
    func equivalence(seed: UInt64) async throws {
        var single = InProcessCluster(count: 1)
        var sharded = InProcessCluster(count: 3)
        var plan = SplitMix64(seed: seed)
        let traders = (1...3).map { "T\($0)" }, copiers = (1...9).map { "C\($0)" }
        var setup: [Copytrade_V1_Input] = []
        for id in traders + copiers {
            setup.append(.with { $0.createAccount = .with { $0.accountID = id; $0.role = id.hasPrefix("T") ? .trader : .copier } })
            setup.append(.with { $0.deposit = .with { $0.accountID = id; $0.amountE8 = e8(id.hasPrefix("T") ? "50000" : "3000") } })
        }
        // Profit sharing: settlements pay across shards (docs/protections.md).
        for (t, ratio) in [("T1", "0.1"), ("T2", "0.2")] {
            setup.append(.with { $0.setAccount = .with { $0.accountID = t; $0.hasProfitShareRatio_p = true; $0.profitShareRatioE8 = e8(ratio) } })
        }
        for (i, c) in copiers.enumerated() {
            for t in traders where (i + t.count) % 2 == 0 || t == traders[i % 3] {
                setup.append(.with { $0.follow = .with {
                    $0.copierID = c; $0.traderID = t; $0.mode = .proportional; $0.multiplierE8 = e8(i % 2 == 0 ? "1" : "0.5")
                    $0.leverage = 10; $0.autoMarginAmountE8 = i % 3 == 0 ? e8("20") : 0
                    // Protections on some relations: TP/SL, a relation stop with each policy.
                    if i % 3 == 1 { $0.hasTpRatio_p = true; $0.tpRatioE8 = e8("0.4"); $0.hasSlRatio_p = true; $0.slRatioE8 = e8("0.25") }
                    if i % 4 == 2 {
                        $0.hasStopLossAmount_p = true; $0.stopLossAmountE8 = e8("15")
                        $0.closePolicy = [.market, .detach, .follow][i % 3]
                    }
                } })
            }
        }
        setup.append(.with { $0.setMark = .with { $0.symbol = "BTCUSDT"; $0.priceE8 = e8("20000") } })
        var steps = setup
        var mark: Int64 = 20_000
        for _ in 0..<600 {
            let t = traders[Int(plan.next() % 3)]
            if plan.next() % 15 == 0 {
                steps.append(.with { $0.settle = .with { $0.traderID = plan.next() % 2 == 0 ? "" : t } })
                continue
            }
            switch plan.next() % 6 {
            case 0, 1:
                steps.append(.with { $0.open = .with {
                    $0.accountID = t; $0.symbol = "BTCUSDT"; $0.side = .long; $0.quantityE8 = e8("0.1")
                    $0.priceE8 = mark * 100_000_000; $0.leverage = 20
                } })
            case 2:
                steps.append(.with { $0.close = .with { $0.accountID = t; $0.symbol = "BTCUSDT"; $0.quantityE8 = e8("0.05") } })
            case 3:
                steps.append(.with { $0.adjustMargin = .with {
                    $0.accountID = t; $0.symbol = "BTCUSDT"; $0.deltaE8 = plan.next() % 2 == 0 ? e8("10") : -e8("5")
                } })
            case 4:
                mark += Int64(plan.next() % 1_400) - 750
                steps.append(.with { $0.setMark = .with { $0.symbol = "BTCUSDT"; $0.priceE8 = mark * 100_000_000 } })
            default:
                let c = copiers[Int(plan.next() % 9)]
                steps.append(plan.next() % 2 == 0
                    ? .with { $0.deposit = .with { $0.accountID = c; $0.amountE8 = e8("100") } }
                    : .with { $0.withdraw = .with { $0.accountID = c; $0.amountE8 = e8("400") } })
            }
        }
        for (n, step) in steps.enumerated() {
            let one = try await single.run(step), many = try await sharded.run(step)
            // Refused alike (with the same reason) or accepted alike, step by step.
            try #require(one == many, "step \(n) \(step.kindName): one process \(one ?? "accepted"), sharded \(many ?? "accepted")")
        }
        var kinds: Set<String> = []
        for id in traders + copiers {
            let one = single.result(of: id), many = sharded.result(of: id)
            #expect(one == many, "\(id) differs:\n one process: \(one)\n sharded:     \(many)")
            #expect(many.identityHolds, "\(id)")
            kinds.formUnion(many.events)
        }
        // The scenario reached what sharding changes: copies, closes, signals, liquidations.
        // (A copy's stop loss or a relation stop often closes it before its liquidation price.)
        #expect(kinds.contains("liquidated") || kinds.contains("copy.stop_loss"), "seed \(seed): \(kinds.sorted())")
        for kind in ["copy.opened", "copy.reduced", "sync.applied", "profit_share.paid", "profit_share.received",
                     "copy.take_profit", "relation.stopped"] {
            #expect(kinds.contains(kind), "no \(kind) in seed \(seed): \(kinds.sorted())")
        }
        #expect(sharded.messagesDelivered > 0)
    }

    @Test("an input for another shard's account is refused and changes nothing")
    func misrouted() async throws {
        let layout = try ShardLayout(count: 4, index: 0)
        let other = (0..<100).map { "A\($0)" }.first { ShardLayout.shard(of: $0, count: 4) != 0 }!
        let engine = Engine(modules: .inProcess(), layout: layout)
        var input = Copytrade_V1_Input()
        input.createAccount = .with { $0.accountID = other; $0.role = .copier }
        input.receivedMs = 1_700_000_000_000
        await #expect(throws: DomainError.self) { try await engine.decide(input, key: "k", state: EngineState()) }
        // A message from the shard itself, or from outside the cluster, is refused too.
        input.shardMessage = .with { $0.sourceShard = 0; $0.mark = .with { $0.symbol = "BTCUSDT"; $0.priceE8 = e8("1") } }
        await #expect(throws: DomainError.self) { try await engine.decide(input, key: "m", state: EngineState()) }
        input.shardMessage.sourceShard = 9
        await #expect(throws: DomainError.self) { try await engine.decide(input, key: "m", state: EngineState()) }
    }

    @Test("ids carry their shard; accounts spread over every shard")
    func layout() throws {
        let l = try ShardLayout(count: 8, index: 3)
        #expect(l.idNumber(5) == 43 && ShardRoute.number("p-43").map { $0 % 8 } == 3)
        #expect(ShardLayout.single.idNumber(5) == 5)
        let spread = Set((0..<200).map { ShardLayout.shard(of: String(format: "C%03d", $0), count: 8) })
        #expect(spread.count == 8)
        #expect(throws: DomainError.self) { try ShardLayout(count: 0, index: 0) }
        #expect(throws: DomainError.self) { try ShardLayout(count: 2, index: 2) }
    }
}

private func e8(_ text: String) -> Int64 { (try! Decimal8(parsing: text)).e8 }

/// Engines of one cluster in process: each input to its shard, then every message delivered
/// (each source's in order) until none is left, then held signals released — the barrier the
/// end-to-end equivalence test waits for.
private struct InProcessCluster {
    struct Directory: AccountDirectory {
        let roles: [String: AccountRole]
        func role(of account: String) async throws -> AccountRole? { roles[account] }
    }

    struct Result: Equatable, CustomStringConvertible {
        var wallet, deposits, withdrawals, realized, fees, paid, received: Decimal8
        var positions: [String]
        var events: [String]
        var identityHolds: Bool { (try? deposits - withdrawals + realized - fees - paid + received) == wallet }
        var description: String { "wallet \(wallet) realized \(realized) fees \(fees) positions \(positions) events \(events)" }
    }

    let count: Int
    var states: [EngineState]
    var events: [[Copytrade_V1_Event]]
    var roles: [String: AccountRole] = [:]
    var queue: [(target: Int, message: Copytrade_V1_ShardMessage)] = []
    var clock: Int64 = 1_700_000_000_000
    var n = 0
    var messagesDelivered = 0

    init(count: Int) {
        self.count = count
        states = (0..<count).map { _ in EngineState() }  // each its own liquidation index (a class)
        events = Array(repeating: [], count: count)
    }

    func engine(_ shard: Int) -> Engine {
        Engine(modules: .inProcess(), layout: try! ShardLayout(count: count, index: shard), directory: Directory(roles: roles))
    }

    /// Runs one input to quiescence; the refusal when it was refused (nothing applied anywhere).
    mutating func run(_ input: Copytrade_V1_Input) async throws -> String? {
        if case .settle = input.kind {
            // A settlement runs on every shard (each settles the relations it holds).
            for shard in 0..<count { if let refusal = try await decide(input, shard: shard) { return refusal } }
        } else {
            let shard = ShardRoute.shard(of: input, count: count) ?? 0
            if let refusal = try await decide(input, shard: shard) { return refusal }
        }
        while true {
            while !queue.isEmpty {
                let (target, message) = queue.removeFirst()
                var i = Copytrade_V1_Input()
                i.shardMessage = message
                messagesDelivered += 1
                try await decide(i, shard: target)
            }
            // Release every held signal, as the reorder window would once it expires.
            var released = false
            for shard in 0..<count where !states[shard].heldSignals.isEmpty {
                let held = states[shard].heldSignals.values.sorted { ($0.occurredMs, $0.signalID) < ($1.occurredMs, $1.signalID) }
                for (trader, signals) in Dictionary(grouping: held, by: \.traderID).sorted(by: { $0.key < $1.key }) {
                    var i = Copytrade_V1_Input()
                    i.syncRelease = .with { $0.traderID = trader; $0.signalIds = signals.map(\.signalID) }
                    try await decide(i, shard: shard)
                    released = true
                }
            }
            if !released && queue.isEmpty { return nil }
        }
    }

    @discardableResult
    private mutating func decide(_ input: Copytrade_V1_Input, shard: Int) async throws -> String? {
        var input = input
        clock += 1_000
        input.receivedMs = clock
        n += 1
        let changes: StateChanges
        do {
            changes = try await engine(shard).decide(input, key: "k-\(n)", state: states[shard])
        } catch let refusal as DomainError {
            return refusal.description
        }
        states[shard].apply(changes)
        events[shard] += changes.events
        for (account, role) in changes.directory { roles[account] = role }
        for m in changes.messages {
            for target in m.targets {
                var message = m.message
                message.sourceShard = Int32(shard)
                queue.append((target, message))
            }
        }
        return nil
    }

    func result(of id: String) -> Result {
        let shard = ShardLayout.shard(of: id, count: count)
        let s = states[shard]
        let a = s.accounts[id]!
        let positions = (s.positionsByAccount[id] ?? []).compactMap { s.positions[$0] }
            .map { "\($0.symbol) \($0.side) \($0.quantity) @\($0.entry) m\($0.margin) \($0.copiedFrom == nil ? "own" : "copy")" }
            .sorted()
        return Result(wallet: a.wallet, deposits: a.deposits, withdrawals: a.withdrawals, realized: a.realizedPnl, fees: a.fees,
                      paid: a.profitSharePaid, received: a.profitShareReceived, positions: positions, events: events[shard].filter { $0.accountID == id }.map(\.kind))
    }
}
