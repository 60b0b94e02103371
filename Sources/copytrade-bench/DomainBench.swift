import CopyTradeCore
import CopyTradeProto
import Foundation
import Margin
import ModuleRuntime
import Pricing
import Sizing
import Sync

/// SplitMix64: deterministic inputs, so every run times the same work.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Single-core, in-process decisions per second for the three hot module functions, on varied
/// inputs, with a checksum of every answer printed so the optimizer cannot drop the work.
struct DomainBench {
    let options: DomainOptions
    let json: Bool
    /// Distinct inputs cycled through (fits in cache, like a hot fan-out).
    static let variety = 4_096

    func run() async throws {
        let report = Report("domain: single-core in-process decisions/s (release build)",
                            columns: ["decision", "calls", "seconds", "decisions/s", "ns/decision", "checksum"], json: json)
        func add(_ key: String, _ label: String, calls: Int, seconds s: Double, checksum: UInt64) {
            var o = JSONObject()
            o.set("bench", .string("domain"))
            o.set("case", .string(key))
            o.set("calls", .int(Int64(calls)))
            o.set("seconds", .double(s))
            o.set("per_sec", .double(Double(calls) / s))
            o.set("ns_per_call", .double(s * 1e9 / Double(calls)))
            o.set("checksum", .string(String(checksum, radix: 16)))
            report.add([label, fmt(Double(calls)), fmt(s, 3), fmt(Double(calls) / s), fmt(s * 1e9 / Double(calls), 0),
                        String(checksum, radix: 16)], json: o)
        }
        let market = Market.builtIn
        let specs = try ["BTCUSDT", "ETHUSDT"].map { try market.spec(for: $0) }

        progress("domain: sizing")
        let sizing = try Self.sizingRequests(specs: specs)
        let sizer = StandardCopySizer()
        var r = try timeSizing(sizer, sizing, calls: options.sizing)
        add("sizing.plan", "sizing: StandardCopySizer().plan", calls: options.sizing, seconds: r.0, checksum: r.1)

        progress("domain: liquidation price")
        let positions = Self.positions(specs: specs)
        let risks = try specs.map { try riskParameters(for: $0, preset: .bingx) }
        r = try timeLiquidation(positions, risks, calls: options.liquidation)
        add("margin.liquidationPrice", "liquidation price: MarginPreset.bingx.strategy.liquidationPrice",
            calls: options.liquidation, seconds: r.0, checksum: r.1)

        progress("domain: sync")
        let (signals, copiers) = Self.syncInputs()
        r = try timeSync(try RatioMarginSync(), signals, copiers, calls: options.sync)
        add("sync.decide", "sync: RatioMarginSync().decide", calls: options.sync, seconds: r.0, checksum: r.1)

        // The same decisions through the in-process module handlers (protobuf messages in and
        // out), which is the route the coordinator's engine takes.
        progress("domain: module handlers (wire messages)")
        var h = try await timeSizingHandler(specs: specs, calls: options.sizing / 3)
        add("sizing.handler.sizeBatch", "sizing via SizingHandler.sizeBatch (proto, batch \(options.batch))",
            calls: h.2, seconds: h.0, checksum: h.1)
        h = try await timeMarginHandler(positions: positions, specs: specs, calls: options.liquidation / 4)
        add("margin.handler.evaluateBatch", "liquidation via MarginHandler.evaluateBatch (proto, batch \(options.batch))",
            calls: h.2, seconds: h.0, checksum: h.1)
        h = try await timeSyncHandler(signals: signals, copiers: copiers, calls: options.sync / 3)
        add("sync.handler.decideBatch", "sync via SyncHandler.decideBatch (proto, batch \(options.batch))",
            calls: h.2, seconds: h.0, checksum: h.1)
        report.finish()
    }

    // MARK: Inputs

    static func sizingRequests(specs: [SymbolSpec]) throws -> [CopyOrderRequest] {
        var rng = SplitMix64(seed: 1)
        return (0..<variety).map { i in
            let spec = specs[i % specs.count]
            let rules = CopySymbolRules(spec)
            let basePrice: Int64 = spec.symbol == "BTCUSDT" ? 60_000 : 3_000
            // A price on the tick, ±5 %.
            let span = basePrice * Decimal8.unitsPerOne / 20
            let offset = Int64.random(in: -span...span, using: &rng) / spec.tickSize.units * spec.tickSize.units
            let price = Decimal8(units: basePrice * Decimal8.unitsPerOne + offset)
            let steps = Int64.random(in: 1...5_000, using: &rng)
            let quantity = Decimal8(units: steps * spec.stepSize.units)
            let mode: CopyMode = i % 4 == 3
                ? .fixedMargin(Decimal8(units: Int64.random(in: 10...2_000, using: &rng) * Decimal8.unitsPerOne))
                : .proportional(multiplier: Decimal8(units: Int64.random(in: 1_000_000...500_000_000, using: &rng)))
            var relation = CopyRelationLimits.unrestricted
            if i % 7 == 0 { relation.maxMarginPerOrder = Decimal8(units: 500 * Decimal8.unitsPerOne) }
            if i % 11 == 0 {
                relation.maxTotalCopyMargin = Decimal8(units: 5_000 * Decimal8.unitsPerOne)
                relation.currentTotalCopyMargin = Decimal8(units: 1_000 * Decimal8.unitsPerOne)
            }
            if i % 53 == 0 { relation.isPaused = true }
            return CopyOrderRequest(
                side: i % 2 == 0 ? .long : .short, fillPrice: price, traderQuantity: quantity, mode: mode,
                leverage: Int.random(in: 1...50, using: &rng), rules: rules, slippage: spec.slippage, relation: relation,
                availableBalance: i % 5 == 0 ? nil : Decimal8(units: Int64.random(in: 10...100_000, using: &rng) * Decimal8.unitsPerOne))
        }
    }

    static func positions(specs: [SymbolSpec]) -> [(PositionState, Int)] {
        var rng = SplitMix64(seed: 2)
        return (0..<variety).map { i in
            let s = i % specs.count
            let spec = specs[s]
            let basePrice: Int64 = spec.symbol == "BTCUSDT" ? 60_000 : 3_000
            let entry = Decimal8(units: basePrice * Decimal8.unitsPerOne + Int64.random(in: -1_000...1_000, using: &rng) * spec.tickSize.units)
            let quantity = Decimal8(units: Int64.random(in: 1...20_000, using: &rng) * spec.stepSize.units)
            let leverage = Int.random(in: 1...min(50, spec.maxLeverage), using: &rng)
            // Margin q*E/L, plus some added margin now and then.
            let notional = (try? quantity.multiplied(by: entry, rounding: .up)) ?? .one
            var margin = (try? notional.divided(by: Decimal8(leverage), rounding: .up)) ?? .one
            if i % 3 == 0 { margin = Decimal8(units: margin.units + margin.units / 4) }
            return (PositionState(symbol: spec.symbol, side: i % 2 == 0 ? .long : .short, quantity: quantity, entryPrice: entry,
                                  margin: margin, leverage: leverage), s)
        }
    }

    static func syncInputs() -> ([MarginSyncSignal], [CopierMarginState]) {
        var rng = SplitMix64(seed: 3)
        let signals = (0..<64).map { i in
            let before = Decimal8(units: Int64.random(in: 100...100_000, using: &rng) * Decimal8.unitsPerOne)
            let delta = i % 2 == 0 ? Decimal8(units: before.units / Int64.random(in: 2...20, using: &rng))
                : Decimal8(units: -before.units / Int64.random(in: 3...20, using: &rng))
            return MarginSyncSignal(id: "s-\(i)", trader: AccountID("t-\(i % 8)"), traderPosition: "p-\(i)",
                                    traderMarginBefore: before, delta: delta, occurredAt: 1_700_000_000_000 + Int64(i),
                                    receivedAt: 1_700_000_000_100 + Int64(i) + (i % 16 == 0 ? 120_000 : 0))
        }
        let copiers = (0..<variety).map { i in
            CopierMarginState(copier: AccountID("c-\(i)"), position: "p-c\(i)",
                              positionMargin: Decimal8(units: Int64.random(in: 1...50_000, using: &rng) * Decimal8.unitsPerOne),
                              availableBalance: Decimal8(units: Int64.random(in: 0...20_000, using: &rng) * Decimal8.unitsPerOne),
                              maxReducible: Decimal8(units: Int64.random(in: 0...5_000, using: &rng) * Decimal8.unitsPerOne),
                              relationEstablishedAt: i % 29 == 0 ? 1_800_000_000_000 : 1_600_000_000_000)
        }
        return (signals, copiers)
    }

    // MARK: Timed loops (each call's answer folds into the checksum)

    @inline(never)
    func timeSizing(_ sizer: StandardCopySizer, _ requests: [CopyOrderRequest], calls: Int) throws -> (Double, UInt64) {
        var sum: UInt64 = 0
        let n = requests.count
        // Warm up.
        for i in 0..<min(calls, n) { sum &+= Self.fold(try sizer.plan(requests[i])) }
        sum = 0
        let start = nowNanos()
        var i = 0
        for _ in 0..<calls {
            sum = sum &* 31 &+ Self.fold(try sizer.plan(requests[i]))
            i += 1
            if i == n { i = 0 }
        }
        return (seconds(since: start), sum)
    }

    @inline(__always)
    static func fold(_ o: CopySizingOutcome) -> UInt64 {
        switch o {
        case .planned(let p): UInt64(bitPattern: p.quantity.units &+ p.margin.units &+ p.fee.units &+ p.worstPrice.units)
        case .skipped(let s): UInt64(s.reason.hashValue & 0xff) &+ UInt64(bitPattern: s.value.units)
        }
    }

    @inline(never)
    func timeLiquidation(_ positions: [(PositionState, Int)], _ risks: [RiskParameters], calls: Int) throws -> (Double, UInt64) {
        let strategy = MarginPreset.bingx.strategy
        var sum: UInt64 = 0
        let n = positions.count
        for i in 0..<min(calls, n) { _ = try strategy.liquidationPrice(of: positions[i].0, risk: risks[positions[i].1]) }
        let start = nowNanos()
        var i = 0
        for _ in 0..<calls {
            let (p, r) = positions[i]
            let lp = try strategy.liquidationPrice(of: p, risk: risks[r])
            sum = sum &* 31 &+ UInt64(bitPattern: lp?.onTick.units ?? 7)
            i += 1
            if i == n { i = 0 }
        }
        return (seconds(since: start), sum)
    }

    @inline(never)
    func timeSync(_ policy: RatioMarginSync, _ signals: [MarginSyncSignal], _ copiers: [CopierMarginState], calls: Int) throws -> (Double, UInt64) {
        var sum: UInt64 = 0
        let n = copiers.count, m = signals.count
        for i in 0..<min(calls, n) { _ = try policy.decide(signals[i % m], copiers[i]) }
        let start = nowNanos()
        var i = 0
        for k in 0..<calls {
            let d = try policy.decide(signals[k & (m - 1)], copiers[i])
            sum = sum &* 31 &+ UInt64(bitPattern: d.appliedDelta.units &+ d.proportionalDelta.units) &+ UInt64(d.outcome.hashValue & 0xf)
            i += 1
            if i == n { i = 0 }
        }
        return (seconds(since: start), sum)
    }

    // MARK: Through the module handlers

    func timeSizingHandler(specs: [SymbolSpec], calls: Int) async throws -> (Double, UInt64, Int) {
        let handler = SizingHandler()
        let spec = specs[0]
        var batch = Copytrade_V1_SizeBatchRequest()
        batch.side = .long
        batch.fillPriceE8 = 60_000 * Decimal8.unitsPerOne
        batch.traderQuantityE8 = Decimal8.unitsPerOne
        var market = Copytrade_V1_SizingMarket()
        market.takerFeeRateE8 = spec.takerFeeRate.e8
        market.stepSizeE8 = spec.stepSize.e8
        market.minQuantityE8 = spec.minQuantity.e8
        market.minNotionalE8 = spec.minNotional.e8
        market.maxLeverage = Int32(spec.maxLeverage)
        market.tickSizeE8 = spec.tickSize.e8
        batch.market = market
        var rng = SplitMix64(seed: 4)
        for _ in 0..<options.batch {
            var item = Copytrade_V1_SizeRequest()
            item.mode = .proportional
            item.multiplierE8 = Int64.random(in: 1_000_000...300_000_000, using: &rng)
            item.leverage = Int32.random(in: 1...50, using: &rng)
            item.slippageE8 = spec.slippage.e8
            item.hasAvailable_p = true
            item.availableE8 = Int64.random(in: 100...100_000, using: &rng) * Decimal8.unitsPerOne
            batch.items.append(item)
        }
        var sum: UInt64 = 0
        _ = try await handler.sizeBatch(batch)
        let rounds = max(1, calls / options.batch)
        let start = nowNanos()
        for _ in 0..<rounds {
            let out = try await handler.sizeBatch(batch)
            for d in out.decisions { sum = sum &* 31 &+ UInt64(bitPattern: d.quantityE8 &+ d.orderMarginE8) }
        }
        return (seconds(since: start), sum, rounds * options.batch)
    }

    func timeMarginHandler(positions: [(PositionState, Int)], specs: [SymbolSpec], calls: Int) async throws -> (Double, UInt64, Int) {
        let handler = MarginHandler()
        let risks = try specs.map { try MarginRisk.parameters(spec: $0, preset: "bingx") }
        var batch = Copytrade_V1_EvaluateBatchRequest()
        for i in 0..<options.batch {
            let (p, s) = positions[i % positions.count]
            var r = Copytrade_V1_EvaluateRequest()
            r.preset = "bingx"
            var w = Copytrade_V1_PositionState()
            w.symbol = p.symbol
            w.side = p.side.wire
            w.quantityE8 = p.quantity.e8
            w.entryPriceE8 = p.entryPrice.e8
            w.marginE8 = p.margin.e8
            w.leverage = Int32(p.leverage)
            w.marginMode = .isolated
            r.position = w
            r.risk = risks[s]
            batch.requests.append(r)
        }
        var sum: UInt64 = 0
        _ = try await handler.evaluateBatch(batch)
        let rounds = max(1, calls / options.batch)
        let start = nowNanos()
        for _ in 0..<rounds {
            let out = try await handler.evaluateBatch(batch)
            for e in out.evaluations { sum = sum &* 31 &+ UInt64(bitPattern: e.liquidationPriceE8) }
        }
        return (seconds(since: start), sum, rounds * options.batch)
    }

    func timeSyncHandler(signals: [MarginSyncSignal], copiers: [CopierMarginState], calls: Int) async throws -> (Double, UInt64, Int) {
        let handler = SyncHandler()
        let s = signals[0]
        var batch = Copytrade_V1_SyncBatchRequest()
        var w = Copytrade_V1_MarginSignal()
        w.signalID = s.id
        w.traderID = s.trader.rawValue
        w.traderPositionID = s.traderPosition
        w.traderMarginBeforeE8 = s.traderMarginBefore.e8
        w.deltaE8 = s.delta.e8
        w.occurredMs = s.occurredAt
        w.receivedMs = s.occurredAt + 10
        w.traderMarginMode = .isolated
        w.traderEligible = true
        batch.signal = w
        batch.maxDelayMs = 60_000
        for i in 0..<options.batch {
            let c = copiers[i % copiers.count]
            var m = Copytrade_V1_CopierMargin()
            m.copierID = c.copier.rawValue
            m.positionID = c.position
            m.marginE8 = c.positionMargin.e8
            m.availableE8 = c.availableBalance.e8
            m.maxReducibleE8 = c.maxReducible.e8
            m.establishedMs = 1_600_000_000_000
            m.marginMode = .isolated
            batch.copiers.append(m)
        }
        var sum: UInt64 = 0
        _ = try await handler.decideBatch(batch)
        let rounds = max(1, calls / options.batch)
        let start = nowNanos()
        for _ in 0..<rounds {
            let out = try await handler.decideBatch(batch)
            for d in out.decisions { sum = sum &* 31 &+ UInt64(bitPattern: d.copierDeltaE8) }
        }
        return (seconds(since: start), sum, rounds * options.batch)
    }
}
