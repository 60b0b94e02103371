import Coordinator
import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging
import ModuleRuntime

/// The coordinator end to end, in process: `Sequencer` (single writer) over
/// `Engine(modules: .inProcess())` with a real `SQLiteJournalStore` (WAL, synchronous=FULL) in
/// a temporary directory.
struct CoordinatorBench {
    let options: CoordinatorOptions
    let json: Bool
    let quiet = Logger(label: "bench.coordinator", factory: { _ in SwiftLogNoOpLogHandler() })
    static let symbol = "BTCUSDT"
    static let e8 = Decimal8.unitsPerOne

    func run() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ct-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let parts = options.parts
        if parts.contains("fanout") || parts.contains("sync") { try await fanOutAndSync(root) }
        if parts.contains("ticks") { try await ticks(root) }
        if parts.contains("deposits") { try await deposits(root) }
        if parts.contains("memory") { try await memory(root) }
    }

    // MARK: - Plumbing

    func openSequencer(_ dir: URL, reorderWindowMs: Millis = 0) async throws -> (Sequencer, SQLiteJournalStore) {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = try SQLiteJournalStore(path: dir.appendingPathComponent("journal.sqlite").path, logger: quiet)
        var config = EngineConfig()
        config.reorderWindowMs = reorderWindowMs
        let engine = Engine(modules: .inProcess(), config: config)
        let sequencer = try await Sequencer(engine: engine, store: store, logger: quiet)
        return (sequencer, store)
    }

    /// Submits `count` inputs with at most `concurrency` in flight; returns per-input latencies (µs).
    @discardableResult
    func submitAll(_ sequencer: Sequencer, count: Int, concurrency: Int, recordLatency: Bool = false,
                   _ make: @escaping @Sendable (Int) -> (Copytrade_V1_Input, String)) async throws -> [Double] {
        guard count > 0 else { return [] }
        return try await withThrowingTaskGroup(of: Double.self) { group in
            var next = 0
            func launch() {
                let (input, key) = make(next)
                next += 1
                group.addTask {
                    let t0 = nowNanos()
                    _ = try await sequencer.submit(input, key: key)
                    return Double(nowNanos() - t0) / 1000
                }
            }
            for _ in 0..<min(concurrency, count) { launch() }
            var latencies: [Double] = []
            if recordLatency { latencies.reserveCapacity(count) }
            while let l = try await group.next() {
                if recordLatency { latencies.append(l) }
                if next < count { launch() }
            }
            return latencies
        }
    }

    static func input(_ fill: (inout Copytrade_V1_Input) -> Void) -> Copytrade_V1_Input {
        var i = Copytrade_V1_Input()
        fill(&i)
        return i
    }

    static func createAccount(_ id: String, trader: Bool) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_CreateAccountRequest()
            r.accountID = id
            r.role = trader ? .trader : .copier
            $0.createAccount = r
        }
    }

    static func deposit(_ id: String, _ amount: Int64) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_TransferRequest()
            r.accountID = id
            r.amountE8 = amount * e8
            $0.deposit = r
        }
    }

    static func follow(_ copier: String, _ trader: String, leverage: Int32) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_FollowRequest()
            r.copierID = copier
            r.traderID = trader
            r.mode = .proportional
            r.multiplierE8 = e8   // 1x the trader's value
            r.leverage = leverage
            $0.follow = r
        }
    }

    static func setMark(_ priceE8: Int64, at ms: Millis) -> Copytrade_V1_Input {
        input {
            var r = Copytrade_V1_SetMarkPriceRequest()
            r.symbol = symbol
            r.priceE8 = priceE8
            r.atMs = ms
            $0.receivedMs = ms
            $0.setMark = r
        }
    }

    static var nowMs: Millis { Millis(Date().timeIntervalSince1970 * 1000) }

    // MARK: - (a) fan-out and (b) margin sync

    func fanOutAndSync(_ root: URL) async throws {
        let report = Report("coordinator (a): one trader open fanned out to N copiers (sequencer + engine + SQLite journal)",
                            columns: ["copiers", "setup s", "open → ack ms", "copier orders/s", "copies opened",
                                      "journal entry MB", "engine.decide ms", "state.apply ms", "rest (journal, encode, queue) ms",
                                      "decide, sizing out of process ms", "out/in ratio"],
                            json: json)
        let syncReport = Report("coordinator (b): one trader margin add synced to N copiers (reorder window 0 ms)",
                                columns: ["copiers", "adjust ack ms", "adjust → release committed ms", "copier decisions/s",
                                          "copier margins changed"], json: json)
        var sizes = options.parts.contains("fanout") ? options.fanoutSizes : []
        let wantSync = options.parts.contains("sync") && options.syncCopiers > 0
        if wantSync, !sizes.contains(options.syncCopiers) { sizes.append(options.syncCopiers) }
        for n in sizes {
            let dir = root.appendingPathComponent("fanout-\(n)")
            let (sequencer, store) = try await openSequencer(dir, reorderWindowMs: 0)
            progress("coordinator: fan-out setup, \(n) copiers (create, deposit, follow)")
            let setupStart = nowNanos()
            let trader = "t-1"
            _ = try await sequencer.submit(Self.createAccount(trader, trader: true), key: "setup-trader")
            _ = try await sequencer.submit(Self.deposit(trader, 1_000_000_000), key: "setup-trader-deposit")
            let c = options.concurrency
            try await submitAll(sequencer, count: n, concurrency: c) { i in (Self.createAccount("c-\(i)", trader: false), "setup-create-\(i)") }
            try await submitAll(sequencer, count: n, concurrency: c) { i in (Self.deposit("c-\(i)", 10_000), "setup-deposit-\(i)") }
            try await submitAll(sequencer, count: n, concurrency: c) { i in (Self.follow("c-\(i)", trader, leverage: 10), "setup-follow-\(i)") }
            _ = try await sequencer.submit(Self.setMark(60_000 * Self.e8, at: Self.nowMs), key: "setup-mark")
            let setup = seconds(since: setupStart)

            var open = Copytrade_V1_OpenRequest()
            open.accountID = trader
            open.symbol = Self.symbol
            open.side = .long
            open.quantityE8 = Self.e8           // 1 BTC
            open.priceE8 = 60_000 * Self.e8
            open.leverage = 10
            open.marginMode = .isolated
            let openInput = Self.input {
                $0.receivedMs = Self.nowMs
                $0.open = open
            }

            // Breakdown first, on a copy of the state before the open: the engine's decision
            // alone and applying its changes (the liquidation-index inserts are already done,
            // so apply here is a slight underestimate). The copy is dropped before the timed
            // open: a copy held across it would make the sequencer's apply copy every table it
            // touches (copy-on-write), which no real client causes.
            var decideSeconds = 0.0, applySeconds = 0.0, remoteSeconds = Double.nan
            do {
                let before = await sequencer.snapshotOfState
                let engine = Engine(modules: .inProcess(), config: await sequencer.config)
                let d0 = nowNanos()
                let changes = try await engine.decide(openInput, key: "open-\(n)", state: before)
                decideSeconds = seconds(since: d0)
                var copy = before
                let a0 = nowNanos()
                copy.apply(changes)
                applySeconds = seconds(since: a0)
                blackHole(copy)

                // The same decision with the sizing module in its own process (batched SizeBatch
                // calls over a Unix socket), next to the in-process one.
                let moduleBin = TTRPCBench.sibling("copytrade-module")
                if FileManager.default.isExecutableFile(atPath: moduleBin) {
                    let remote = try await RemoteSizing(binary: moduleBin)
                    let remoteEngine = Engine(modules: remote.modules, config: await sequencer.config)
                    let r0 = nowNanos()
                    let remoteChanges = try await remoteEngine.decide(openInput, key: "open-\(n)", state: before)
                    remoteSeconds = seconds(since: r0)
                    blackHole(remoteChanges.events.count)
                    await remote.stop()
                }
            }

            // The open, timed from submission to acknowledgement (all copier positions committed);
            // the rest is protobuf encoding, the journal write (synchronous=FULL) and the
            // sequencer's bookkeeping. A snapshot the setup made due is written beside the loop:
            // it finishes first, so the open is timed alone.
            await sequencer.settle()
            progress("coordinator: fan-out open to \(n) copiers")
            let t0 = nowNanos()
            let result = try await sequencer.submit(openInput, key: "open-\(n)")
            let openSeconds = seconds(since: t0)
            let opened = result.events.filter { $0.kind == "copy.opened" }.count
            let entryBytes = try await store.entry(forKey: "open-\(n)")?.outcome.count ?? 0

            var o = JSONObject()
            o.set("bench", .string("coordinator.fanout"))
            o.set("copiers", .int(Int64(n)))
            o.set("setup_seconds", .double(setup))
            o.set("open_to_ack_ms", .double(openSeconds * 1000))
            o.set("copier_orders_per_sec", .double(Double(n) / openSeconds))
            o.set("copies_opened", .int(Int64(opened)))
            o.set("journal_entry_bytes", .int(Int64(entryBytes)))
            o.set("engine_decide_ms", .double(decideSeconds * 1000))
            o.set("state_apply_ms", .double(applySeconds * 1000))
            o.set("rest_ms", .double((openSeconds - decideSeconds - applySeconds) * 1000))
            o.set("decide_sizing_out_of_process_ms", .double(remoteSeconds * 1000))
            o.set("sizing_out_of_process_ratio", .double(remoteSeconds / decideSeconds))
            o.set("target_orders_per_sec", .int(1_000_000))
            o.set("target_met", .bool(Double(n) / openSeconds >= 1_000_000))
            if options.parts.contains("fanout") && options.fanoutSizes.contains(n) {
                report.add([fmt(Double(n)), fmt(setup, 1), fmt(openSeconds * 1000, 0), fmt(Double(n) / openSeconds),
                            fmt(Double(opened)), fmt(Double(entryBytes) / 1e6, 1), fmt(decideSeconds * 1000, 0),
                            fmt(applySeconds * 1000, 0), fmt((openSeconds - decideSeconds - applySeconds) * 1000, 0),
                            remoteSeconds.isNaN ? "-" : fmt(remoteSeconds * 1000, 0),
                            remoteSeconds.isNaN ? "-" : fmt(remoteSeconds / decideSeconds, 2)], json: o)
            }

            if wantSync && n == options.syncCopiers {
                try await marginSync(sequencer, copiers: n, trader: trader, report: syncReport)
            }
            await stop(sequencer, store: store)
        }
        if options.parts.contains("fanout") {
            report.note("Target: ≥ 1,000,000 sizing decisions/s end to end in process; 'copier orders/s' is copiers ÷ (open → ack).")
            report.note("Sizing out of process: the same engine decision with copytrade-module sizing behind a Unix socket (aim: within 2x).")
            report.finish()
        }
        if wantSync { syncReport.finish() }
    }

    func marginSync(_ sequencer: Sequencer, copiers n: Int, trader: String, report: Report) async throws {
        let last = "c-\(n - 1)"
        // What the check after the sync needs, taken out of the state so no copy of it is held
        // across the timed sync (the sequencer's apply would then copy its tables).
        var nextEvent: UInt64 = 0
        var marginsBefore: [String: Decimal8] = [:]
        do {
            let before = await sequencer.snapshotOfState
            marginsBefore.reserveCapacity(n)
            for (id, p) in before.positions where p.copiedFrom != nil { marginsBefore[id] = p.margin }
            nextEvent = before.nextEventSequence
        }
        await sequencer.settle()
        progress("coordinator: margin sync to \(n) copiers (subscribing to \(last)'s committed events)")
        let stream = try await sequencer.watch(account: last, afterEvent: nextEvent - 1)
        var adjust = Copytrade_V1_AdjustMarginRequest()
        adjust.accountID = trader
        adjust.symbol = Self.symbol
        adjust.deltaE8 = 1_000 * Self.e8
        let input = Self.input {
            $0.receivedMs = Self.nowMs
            $0.adjustMargin = adjust
        }
        let t0 = nowNanos()
        _ = try await sequencer.submit(input, key: "sync-adjust")
        let ackSeconds = seconds(since: t0)
        var released = false
        for await e in stream where e.kind.hasPrefix("sync.") && e.kind != "sync.received" {
            released = true
            break
        }
        let total = seconds(since: t0)
        guard released else { throw BenchError("the watch stream ended before the sync release committed") }
        let after = await sequencer.snapshotOfState
        var changed = 0
        for (id, p) in after.positions where p.copiedFrom != nil {
            if let old = marginsBefore[id], old != p.margin { changed += 1 }
        }
        if !after.heldSignals.isEmpty { throw BenchError("held signals remain after the release") }
        var o = JSONObject()
        o.set("bench", .string("coordinator.sync"))
        o.set("copiers", .int(Int64(n)))
        o.set("reorder_window_ms", .int(0))
        o.set("adjust_ack_ms", .double(ackSeconds * 1000))
        o.set("release_committed_ms", .double(total * 1000))
        o.set("copier_decisions_per_sec", .double(Double(n) / total))
        o.set("copier_margins_changed", .int(Int64(changed)))
        report.add([fmt(Double(n)), fmt(ackSeconds * 1000, 0), fmt(total * 1000, 0), fmt(Double(n) / total), fmt(Double(changed))], json: o)
    }

    // MARK: - (c) mark ticks vs open positions

    /// A position whose liquidation price is far from 60,000: longs below 50,000, shorts above 70,000.
    static func seedPosition(_ i: Int) -> PositionRecord {
        let long = i % 2 == 0
        var p = PositionRecord(id: "p-\(i + 10)", account: "a-\(i / 4)", symbol: symbol, side: long ? .long : .short,
                               quantity: Decimal8(units: Self.e8 / 100), entry: Decimal8(units: 60_000 * e8),
                               margin: Decimal8(units: 60 * e8), leverage: 10, mode: .isolated, openedMs: 1_700_000_000_000)
        let offset = Int64(i % 200_000) * 10_000_000   // 0.1 steps over 20,000
        p.liquidationPrice = Decimal8(units: long ? 30_000 * e8 + offset : 70_000 * e8 + offset)
        return p
    }

    /// ``seedPosition(_:)`` as a copy; every 10th with a take profit and a stop loss outside
    /// the ticks' 59,000 to 61,000 (a long's TP above 62,000 and SL below 58,000; a short's mirrored).
    static func seedCopy(_ i: Int) -> PositionRecord {
        var p = seedPosition(i)
        p.copiedFrom = "p-1"
        p.relationID = "r-\(i / 4)"
        if i % 10 == 0 {
            let offset = Int64(i % 20_000) * 10_000_000
            let (high, low) = (Decimal8(units: 62_000 * e8 + offset), Decimal8(units: 58_000 * e8 - offset))
            p.triggers = p.side == .long ? CopyTriggers(takeProfit: high, stopLoss: low) : CopyTriggers(takeProfit: low, stopLoss: high)
        }
        return p
    }

    /// The same position as the journal stores it.
    static func seedWire(_ p: PositionRecord) -> Copytrade_V1_Position {
        var s = Copytrade_V1_PositionState()
        s.symbol = p.symbol
        s.side = p.side.wire
        s.quantityE8 = p.quantity.e8
        s.entryPriceE8 = p.entry.e8
        s.marginE8 = p.margin.e8
        s.leverage = Int32(p.leverage)
        s.marginMode = .isolated
        var w = Copytrade_V1_Position()
        w.positionID = p.id
        w.accountID = p.account
        w.state = s
        w.openedMs = p.openedMs
        w.liquidationPriceE8 = p.liquidationPrice!.e8
        w.hasLiquidationPrice_p = true
        return w
    }

    /// A tick price that crosses nothing: 59,000 to 61,000 on the 0.1 tick.
    static func tickPrice(_ i: Int) -> Int64 { 59_000 * e8 + Int64((i &* 7_919) % 20_000) * 10_000_000 }

    func ticks(_ root: URL) async throws {
        let report = Report("coordinator (c): mark ticks that cross no liquidation price, vs open positions",
                            columns: ["open positions", "path", "ticks", "ticks/s", "µs/tick (mean)", "p50 µs", "p99 µs", "build s"],
                            json: json)
        var firstRate: [String: Double] = [:]
        func add(_ n: Int, _ path: String, _ key: String, ticks: Int, seconds s: Double, latencies: [Double], build: Double) {
            let sorted = latencies.sorted()
            let rate = Double(ticks) / s
            if firstRate[key] == nil { firstRate[key] = rate }
            var o = JSONObject()
            o.set("bench", .string("coordinator.ticks"))
            o.set("positions", .int(Int64(n)))
            o.set("path", .string(key))
            o.set("ticks", .int(Int64(ticks)))
            o.set("ticks_per_sec", .double(rate))
            o.set("us_per_tick", .double(s * 1e6 / Double(ticks)))
            o.set("p50_us", sorted.isEmpty ? .null : .double(percentile(sorted, 50)))
            o.set("p99_us", sorted.isEmpty ? .null : .double(percentile(sorted, 99)))
            o.set("build_seconds", .double(build))
            o.set("rate_vs_smallest", .double(rate / firstRate[key]!))
            report.add([fmt(Double(n)), path, fmt(Double(ticks)), fmt(rate), fmt(s * 1e6 / Double(ticks), 2),
                        sorted.isEmpty ? "" : fmt(percentile(sorted, 50), 1), sorted.isEmpty ? "" : fmt(percentile(sorted, 99), 1),
                        fmt(build, 1)], json: o)
        }
        for n in options.positionSizes {
            // In memory: Engine.decide + EngineState.apply, the sequencer's inner step; then the
            // same positions as copies, 10% of them with take profit and stop loss that the ticks
            // do not reach (issue 12: at most twice the cost of the first row).
            for (label, key, seed) in [("Engine.decide + EngineState.apply", "engine", Self.seedPosition),
                                       ("same, as copies, 10% with TP/SL", "engine-tpsl", Self.seedCopy)] {
                progress("coordinator: ticks, building \(n) positions in memory (\(key))")
                let b0 = nowNanos()
                var state = EngineState()
                var k = 0
                while k < n {
                    var c = StateChanges()
                    for i in k..<min(n, k + 10_000) {
                        let p = seed(i)
                        c.positions[p.id] = p
                    }
                    c.nextID = UInt64(n + 10)
                    state.apply(c)
                    k += 10_000
                }
                let build = seconds(since: b0)
                let triggers = key == "engine" ? 0 : (n + 9) / 10
                guard state.positions.count == n, state.liquidationIndex.count == n, state.triggerIndex.count == triggers else {
                    throw BenchError("built \(state.positions.count) positions, \(state.liquidationIndex.count) indexed, \(state.triggerIndex.count) with triggers; wanted \(n) and \(triggers)")
                }
                let engine = Engine(modules: .inProcess())
                let base: Millis = 1_700_000_000_000
                for i in 0..<1_000 {
                    let changes = try await engine.decide(Self.setMark(Self.tickPrice(i), at: base + Millis(i)), key: "w-\(i)", state: state)
                    state.apply(changes)
                }
                progress("coordinator: ticks, \(options.ticks) in memory over \(n) positions (\(key))")
                let t = options.ticks
                let t0 = nowNanos()
                for i in 0..<t {
                    let changes = try await engine.decide(Self.setMark(Self.tickPrice(i), at: base + 1_000 + Millis(i)), key: "tick-\(i)", state: state)
                    if !changes.positions.isEmpty || !changes.closedPositions.isEmpty { throw BenchError("tick \(i) crossed a position") }
                    state.apply(changes)
                }
                add(n, label, key, ticks: t, seconds: seconds(since: t0), latencies: [], build: build)
            }

            // Through the sequencer with the journal: the positions are seeded as journal entries
            // (outcomes of 10,000 positions each) that the sequencer recovers at start.
            do {
                progress("coordinator: ticks, seeding a journal with \(n) positions")
                let dir = root.appendingPathComponent("ticks-\(n)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                let b0 = nowNanos()
                let seedStore = try SQLiteJournalStore(path: dir.appendingPathComponent("journal.sqlite").path, logger: quiet)
                var k = 0, chunk = 0
                while k < n {
                    var outcome = Copytrade_V1_Outcome()
                    outcome.positions = (k..<min(n, k + 10_000)).map { Self.seedWire(Self.seedPosition($0)) }
                    outcome.nextID = UInt64(n + 10)
                    let entry = NewJournalEntry(key: "seed-\(chunk)", kind: "bench.seed", receivedMs: 1_700_000_000_000,
                                                input: try Copytrade_V1_Input().serializedBytes(), outcome: try outcome.serializedBytes())
                    _ = try await seedStore.append([entry])
                    k += 10_000
                    chunk += 1
                }
                try await seedStore.close()
                let (sequencer, store) = try await openSequencer(dir)
                let build = seconds(since: b0)
                let state = await sequencer.snapshotOfState
                guard state.positions.count == n else { throw BenchError("recovered \(state.positions.count) positions, wanted \(n)") }
                let base = Self.nowMs
                try await submitAll(sequencer, count: 500, concurrency: 1) { i in (Self.setMark(Self.tickPrice(i), at: base + Millis(i)), "w-\(i)") }
                // One at a time: each tick waits for its commit (fsync) before the next.
                progress("coordinator: ticks through the sequencer over \(n) positions")
                let seqTicks = min(2_000, options.journaledTicks)
                var t0 = nowNanos()
                var lat = try await submitAll(sequencer, count: seqTicks, concurrency: 1, recordLatency: true) { i in
                    (Self.setMark(Self.tickPrice(i), at: base + 1_000 + Millis(i)), "s-\(i)")
                }
                add(n, "Sequencer + journal, 1 in flight", "sequencer-1", ticks: seqTicks, seconds: seconds(since: t0), latencies: lat, build: build)
                // Pipelined: many in flight, group commit.
                let t = options.journaledTicks
                t0 = nowNanos()
                lat = try await submitAll(sequencer, count: t, concurrency: options.concurrency, recordLatency: true) { i in
                    (Self.setMark(Self.tickPrice(i), at: base + 10_000 + Millis(i)), "t-\(i)")
                }
                add(n, "Sequencer + journal, \(options.concurrency) in flight", "sequencer-n", ticks: t, seconds: seconds(since: t0),
                    latencies: lat, build: build)
                await stop(sequencer, store: store)
                try? FileManager.default.removeItem(at: dir)
            }
        }
        report.note("Target: the tick cost does not grow with the number of open positions (compare rows of the same path).")
        report.note("Issue 12: 'same, as copies, 10% with TP/SL' costs at most twice 'Engine.decide + EngineState.apply' at the same count.")
        report.note("'build s' is setup, not timed: in memory, StateChanges applied to an EngineState; for the sequencer, seeding the journal and recovering it.")
        report.finish()
    }

    // MARK: - (d) journaled inputs/s

    func deposits(_ root: URL) async throws {
        let report = Report("coordinator (d): journaled inputs/s (deposits through the sequencer, SQLite journal, synchronous=FULL)",
                            columns: ["what", "inputs", "in flight", "inputs/s", "p50 ms", "p99 ms"], json: json)
        func add(_ key: String, _ label: String, _ count: Int, _ inflight: Int, _ s: Double, _ lat: [Double]) {
            let sorted = lat.sorted()
            var o = JSONObject()
            o.set("bench", .string("coordinator.deposits"))
            o.set("case", .string(key))
            o.set("inputs", .int(Int64(count)))
            o.set("in_flight", .int(Int64(inflight)))
            o.set("inputs_per_sec", .double(Double(count) / s))
            o.set("p50_ms", sorted.isEmpty ? .null : .double(percentile(sorted, 50) / 1000))
            o.set("p99_ms", sorted.isEmpty ? .null : .double(percentile(sorted, 99) / 1000))
            report.add([label, fmt(Double(count)), fmt(Double(inflight)), fmt(Double(count) / s),
                        sorted.isEmpty ? "" : fmt(percentile(sorted, 50) / 1000, 2), sorted.isEmpty ? "" : fmt(percentile(sorted, 99) / 1000, 2)],
                json: o)
        }
        let dir = root.appendingPathComponent("deposits")
        let (sequencer, store) = try await openSequencer(dir)
        let accounts = 1_000
        progress("coordinator: deposits, creating \(accounts) accounts")
        try await submitAll(sequencer, count: accounts, concurrency: options.concurrency) { i in (Self.createAccount("d-\(i)", trader: false), "create-\(i)") }
        progress("coordinator: deposits, one at a time")
        var t0 = nowNanos()
        var lat = try await submitAll(sequencer, count: 1_000, concurrency: 1, recordLatency: true) { i in
            (Self.deposit("d-\(i % accounts)", 1), "seq-deposit-\(i)")
        }
        add("sequencer-1", "Sequencer.submit(deposit), 1 in flight", 1_000, 1, seconds(since: t0), lat)
        progress("coordinator: deposits, \(options.deposits) with \(options.concurrency) in flight")
        t0 = nowNanos()
        lat = try await submitAll(sequencer, count: options.deposits, concurrency: options.concurrency, recordLatency: true) { i in
            (Self.deposit("d-\(i % accounts)", 1), "deposit-\(i)")
        }
        add("sequencer-n", "Sequencer.submit(deposit), concurrent", options.deposits, options.concurrency, seconds(since: t0), lat)
        await stop(sequencer, store: store)

        // The same sequencer over the in-memory journal: what the sequencer loop costs without
        // SQLite (no fsync, no reader-pool hop for the idempotency-key lookup).
        progress("coordinator: deposits, \(options.deposits) through a sequencer over InMemoryJournalStore")
        do {
            var config = EngineConfig()
            config.reorderWindowMs = 0
            let memoryStore = InMemoryJournalStore()
            let memory = try await Sequencer(engine: Engine(modules: .inProcess(), config: config), store: memoryStore, logger: quiet)
            try await submitAll(memory, count: accounts, concurrency: options.concurrency) { i in (Self.createAccount("d-\(i)", trader: false), "create-\(i)") }
            t0 = nowNanos()
            lat = try await submitAll(memory, count: options.deposits, concurrency: options.concurrency, recordLatency: true) { i in
                (Self.deposit("d-\(i % accounts)", 1), "deposit-\(i)")
            }
            add("sequencer-memory", "Sequencer.submit(deposit) over InMemoryJournalStore (reference, no SQLite)", options.deposits,
                options.concurrency, seconds(since: t0), lat)
            await stop(memory, store: memoryStore)
        }

        // The journal alone, for reference: JournalBenchmark (~200-byte entries, one append each).
        progress("coordinator: journal alone (JournalBenchmark)")
        let raw = try await JournalBenchmark.run(path: root.appendingPathComponent("raw.sqlite").path,
                                                 entries: options.deposits, concurrency: options.concurrency)
        add("journal-only", "SQLiteJournalStore.append alone (JournalBenchmark, \(raw.transactions) transactions)",
            raw.entries, raw.concurrency, raw.seconds, [])
        report.finish()
    }
}

extension CoordinatorBench {
    /// Stops a benchmark's coordinator the way every coordinator stops: its service group
    /// (CoordinatorServices) shut down in order; the sequencer flushes and snapshots, the
    /// journal closes.
    func stop(_ sequencer: Sequencer, store: any JournalStore) async {
        _ = try? await CoordinatorServices.running(sequencer: sequencer, store: store, logger: quiet) {}
    }
}
