import Coordinator
import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal

/// Issue 13, aim 3: resident memory per open position at 1,000,000 positions (at most 300 bytes),
/// and recovery of that state from a snapshot (under 2 s).
///
/// The state has the shape a fan-out leaves: one trader with one position, N copiers each with
/// an account (a deposit, the opening fee paid), a following relation and one isolated copy of
/// the trader's position with a liquidation price (so it is in the liquidation index). Ids are
/// the engine's (`p-…`, `r-…` from the shared counter) and the fan-out bench's (`c-…`), all at
/// most 15 UTF-8 bytes, so Swift stores them inline: longer client account ids (a UUID is 36)
/// cost a heap string per stored copy, which the breakdown measures separately.
extension CoordinatorBench {
    static let traderID = "t-1"

    /// 0.01 to 0.05 BTC, so margins differ and the recovered totals check every record.
    static func memoryQuantityUnits(_ i: Int) -> Int64 { e8 / 100 * Int64(1 + i % 5) }
    /// 0.06% of the notional q × 60,000, in units: q_units × 60,000 × 6 / 10,000.
    static func memoryOpenFeeUnits(_ i: Int) -> Int64 { memoryQuantityUnits(i) * 36 }
    static func memoryWalletUnits(_ i: Int) -> Int64 { 10_000 * e8 - memoryOpenFeeUnits(i) }
    static let memoryTraderDepositUnits = 1_000_000_000 * e8

    /// Copier `i`'s account as the journal stores it: 10,000 deposited, the copy's opening fee paid.
    /// (Wire messages, not records: `RelationRecord`'s initializer is internal to Coordinator,
    /// so the bench builds state the way recovery does, from journal outcomes.)
    static func memoryAccount(_ i: Int) -> Copytrade_V1_Account {
        var w = Copytrade_V1_Account()
        w.accountID = "c-\(i)"
        w.role = .copier
        w.depositsE8 = 10_000 * e8
        w.feesE8 = memoryOpenFeeUnits(i)
        w.walletBalanceE8 = memoryWalletUnits(i)
        return w
    }

    /// Copier `i`'s relation: proportional 1x, leverage 10, isolated, following (status 0).
    static func memoryRelation(_ i: Int) -> Copytrade_V1_CopyRelation {
        var w = Copytrade_V1_CopyRelation()
        w.relationID = "r-\(i + 2)"
        w.copierID = "c-\(i)"
        w.traderID = traderID
        w.mode = .proportional
        w.multiplierE8 = e8
        w.leverage = 10
        w.marginMode = .isolated
        w.establishedMs = 1_700_000_000_000
        return w
    }

    /// Copier `i`'s copy: margin q × 60,000 / 10, liquidation price spread like ``seedPosition(_:)``.
    static func memoryCopy(_ i: Int, positions n: Int) -> PositionRecord {
        let q = memoryQuantityUnits(i)
        var p = PositionRecord(id: "p-\(n + 3 + i)", account: "c-\(i)", symbol: symbol, side: .long,
                               quantity: Decimal8(units: q), entry: Decimal8(units: 60_000 * e8),
                               margin: Decimal8(units: q * 6_000), leverage: 10, mode: .isolated,
                               copiedFrom: "p-\(n + 2)", relationID: "r-\(i + 2)", openedMs: 1_700_000_000_000)
        p.liquidationPrice = Decimal8(units: 50_000 * e8 + Int64(i % 200_000) * 10_000_000)
        p.openFees = Decimal8(units: memoryOpenFeeUnits(i))
        return p
    }

    /// ``seedWire(_:)`` with a copy's link and opening fees.
    static func memoryWire(_ p: PositionRecord) -> Copytrade_V1_Position {
        var w = seedWire(p)
        w.copiedFromPositionID = p.copiedFrom ?? ""
        w.relationID = p.relationID ?? ""
        w.openFeesE8 = p.openFees.e8
        return w
    }

    static func memoryTraderPosition(positions n: Int) -> PositionRecord {
        var p = PositionRecord(id: "p-\(n + 2)", account: traderID, symbol: symbol, side: .long, quantity: Decimal8(units: e8),
                               entry: Decimal8(units: 60_000 * e8), margin: Decimal8(units: 6_000 * e8), leverage: 10,
                               mode: .isolated, openedMs: 1_700_000_000_000)
        p.liquidationPrice = Decimal8(units: 54_300 * e8)
        return p
    }

    /// What the journal holds for copiers `range` (and the trader with the first chunk).
    static func memoryOutcome(_ range: Range<Int>, positions n: Int, accounts: Bool = true, relations: Bool = true,
                              copies: Bool = true) -> Copytrade_V1_Outcome {
        var o = Copytrade_V1_Outcome()
        if range.lowerBound == 0 {
            if accounts {
                var t = Copytrade_V1_Account()
                t.accountID = traderID
                t.role = .trader
                t.depositsE8 = memoryTraderDepositUnits
                t.walletBalanceE8 = memoryTraderDepositUnits
                o.accounts.append(t)
            }
            if copies { o.positions.append(memoryWire(memoryTraderPosition(positions: n))) }
        }
        if accounts { o.accounts.append(contentsOf: range.map(memoryAccount)) }
        if relations { o.relations = range.map(memoryRelation) }
        if copies { o.positions.append(contentsOf: range.map { memoryWire(memoryCopy($0, positions: n)) }) }
        o.nextID = UInt64(2 * n + 4)
        return o
    }

    /// Open positions, accounts, relations, total margin and wallets: what recovery must give back.
    struct MemoryTotals: Equatable, CustomStringConvertible {
        var positions = 0
        var accounts = 0
        var relations = 0
        var marginUnits: Int64 = 0
        var walletUnits: Int64 = 0
        var liquidationIndexed = 0

        init(_ s: EngineState) {
            positions = s.positions.count
            accounts = s.accounts.count
            relations = s.relations.count
            for p in s.positions.values { marginUnits += p.margin.units }
            for a in s.accounts.values { walletUnits += a.wallet.units }
            liquidationIndexed = s.liquidationIndex.count
        }

        /// What the seed says, summed from the generators (integer units, no state involved).
        init(expected n: Int) {
            positions = n + 1
            accounts = n + 1
            relations = n
            liquidationIndexed = n + 1
            marginUnits = memoryTraderPosition(positions: n).margin.units
            walletUnits = memoryTraderDepositUnits
            for i in 0..<n {
                marginUnits += memoryCopy(i, positions: n).margin.units
                walletUnits += memoryWalletUnits(i)
            }
        }

        var description: String {
            "\(positions) positions (\(liquidationIndexed) indexed), \(accounts) accounts, \(relations) relations, "
                + "margin \(Decimal8(units: marginUnits)), wallets \(Decimal8(units: walletUnits))"
        }
    }

    /// Appends the fan-out shape to `store` as journal entries of 10,000 copiers each.
    func seedMemoryJournal(_ store: any JournalStore, positions n: Int, accounts: Bool = true, relations: Bool = true,
                           copies: Bool = true) async throws {
        var chunk = 0
        for k in stride(from: 0, to: n, by: 10_000) {
            let outcome = Self.memoryOutcome(k..<min(n, k + 10_000), positions: n, accounts: accounts, relations: relations, copies: copies)
            let entry = NewJournalEntry(key: "seed-\(chunk)", kind: "bench.seed", receivedMs: 1_700_000_000_000,
                                        input: try Copytrade_V1_Input().serializedBytes(), outcome: try outcome.serializedBytes())
            _ = try await store.append([entry])
            chunk += 1
        }
    }

    func memory(_ root: URL) async throws {
        let n = options.memoryPositions
        guard n > 0 else { return }
        let report = Report("coordinator (e): resident memory per open position, and recovery from a snapshot (issue 13, aim 3)",
                            columns: ["open positions", "state", "RSS before MB", "RSS after MB", "RSS B/position",
                                      "malloc B/position", "s", "peak RSS MB"], json: json)
        let recoveryReport = Report("coordinator (e): recovery of the same state from its snapshot (Sequencer.init over SQLiteJournalStore)",
                                    columns: ["open positions", "snapshot MB", "recovery s", "of which: read snapshot s",
                                              "protobuf decode s", "rest (records, EngineState.apply, keys) s",
                                              "positions recovered", "margin and wallets match"], json: json)
        func row(_ key: String, _ label: String, count: Int, before: MemoryUse, after: MemoryUse, seconds s: Double, peak: Int?) {
            let rss = Double(after.residentBytes - before.residentBytes) / Double(count)
            let heap = Double(after.heapBytes - before.heapBytes) / Double(count)
            var o = JSONObject()
            o.set("bench", .string("coordinator.memory"))
            o.set("state", .string(key))
            o.set("positions", .int(Int64(count)))
            o.set("rss_before_bytes", .int(Int64(before.residentBytes)))
            o.set("rss_after_bytes", .int(Int64(after.residentBytes)))
            o.set("rss_bytes_per_position", .double(rss))
            o.set("malloc_bytes_per_position", .double(heap))
            o.set("seconds", .double(s))
            o.set("peak_rss_bytes", peak.map { .int(Int64($0)) } ?? .null)
            o.set("target_bytes_per_position", .int(300))
            o.set("target_met", .bool(rss <= 300))
            report.add([fmt(Double(count)), label, fmt(Double(before.residentBytes) / 1e6, 1), fmt(Double(after.residentBytes) / 1e6, 1),
                        fmt(rss, 0), fmt(heap, 0), fmt(s, 2), peak.map { fmt(Double($0) / 1e6, 1) } ?? "-"], json: o)
        }

        let expected = MemoryTotals(expected: n)

        // (1) The fan-out shape as a restart without a snapshot builds it: a journal seeded with
        // outcomes of 10,000 copiers each, replayed by Sequencer.init (EngineState.apply per
        // entry). Stopping that sequencer writes the snapshot (shutdown → Sequencer.save
        // → OutcomeWire.snapshot → SQLiteJournalStore.saveSnapshot) that (3) recovers from.
        let dir = root.appendingPathComponent("memory-\(n)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("journal.sqlite").path
        /// A sequencer opened on that journal (replaying it, or recovering from its snapshot):
        /// resident memory before and after, the time it took and the peak on the way.
        func measuredOpen() async throws -> (sequencer: Sequencer, store: SQLiteJournalStore, before: MemoryUse, after: MemoryUse,
                                             seconds: Double, peak: Int?) {
            let before = MemoryUse.now()
            MemoryUse.resetPeak()
            let t0 = nowNanos()
            let (sequencer, store) = try await openSequencer(dir)
            let took = seconds(since: t0)
            let peak = MemoryUse.peakResidentBytes
            return (sequencer, store, before, MemoryUse.now(), took, peak)
        }
        do {
            progress("coordinator: memory, seeding a journal with \(n) copiers (account, relation, copy each)")
            let seedStore = try SQLiteJournalStore(path: path, logger: quiet)
            try await seedMemoryJournal(seedStore, positions: n)
            try await seedStore.close()
            progress("coordinator: memory, replaying the journal (no snapshot yet)")
            let m = try await measuredOpen()
            let replayed = MemoryTotals(await m.sequencer.snapshotOfState)
            guard replayed == expected else { throw BenchError("the journal replayed to \(replayed); the seed holds \(expected)") }
            row("fanout-replayed", "fan-out shape, replayed from the journal (Sequencer.init, 100 entries)", count: n + 1,
                before: m.before, after: m.after, seconds: m.seconds, peak: m.peak)
            progress("coordinator: memory, writing the snapshot (sequencer shutdown)")
            await stop(m.sequencer, store: m.store)
        }

        // (2) Positions only, as the ticks bench seeds them (4 per account id, no account records,
        // no relations): what the positions and their indexes cost alone.
        do {
            progress("coordinator: memory, building \(n) positions only (ticks bench seed)")
            let before = MemoryUse.now()
            let b0 = nowNanos()
            var state = EngineState()
            for k in stride(from: 0, to: n, by: 10_000) {
                var c = StateChanges()
                for i in k..<min(n, k + 10_000) {
                    let p = Self.seedPosition(i)
                    c.positions[p.id] = p
                }
                state.apply(c)
            }
            let s = seconds(since: b0)
            let after = MemoryUse.now()
            guard state.positions.count == n else { throw BenchError("built \(state.positions.count) positions, wanted \(n)") }
            row("positions-only-in-memory", "positions only (ticks seedPosition), EngineState.apply", count: n,
                before: before, after: after, seconds: s, peak: nil)
            blackHole(state)
        }

        // (3) The timed recovery: a new store and a new Sequencer.init on the snapshot.
        progress("coordinator: memory, recovering \(n) positions from the snapshot")
        let m = try await measuredOpen()
        let (sequencer, store, recoverySeconds) = (m.sequencer, m.store, m.seconds)
        let recovered = MemoryTotals(await sequencer.snapshotOfState)
        row("fanout-recovered", "fan-out shape, recovered from the snapshot (Sequencer.init)", count: n + 1,
            before: m.before, after: m.after, seconds: recoverySeconds, peak: m.peak)

        // The recovery's parts that public API reaches: reading the snapshot row, decoding it.
        let p0 = nowNanos()
        guard let snap = try await store.latestSnapshot() else { throw BenchError("no snapshot was written") }
        let readSeconds = seconds(since: p0)
        let d0 = nowNanos()
        let decoded = try Copytrade_V1_Snapshot(serializedBytes: snap.state)
        let decodeSeconds = seconds(since: d0)
        guard decoded.positions.count == n + 1 else { throw BenchError("the snapshot holds \(decoded.positions.count) positions") }
        let matches = recovered == expected
        await stop(sequencer, store: store)

        var o = JSONObject()
        o.set("bench", .string("coordinator.recovery"))
        o.set("positions", .int(Int64(n + 1)))
        o.set("snapshot_bytes", .int(Int64(snap.state.count)))
        o.set("recovery_seconds", .double(recoverySeconds))
        o.set("read_snapshot_seconds", .double(readSeconds))
        o.set("decode_seconds", .double(decodeSeconds))
        o.set("rest_seconds", .double(recoverySeconds - readSeconds - decodeSeconds))
        o.set("positions_recovered", .int(Int64(recovered.positions)))
        o.set("totals_match", .bool(matches))
        o.set("target_seconds", .double(2))
        o.set("target_met", .bool(matches && recoverySeconds < 2))
        recoveryReport.add([fmt(Double(n + 1)), fmt(Double(snap.state.count) / 1e6, 1), fmt(recoverySeconds, 2), fmt(readSeconds, 2),
                            fmt(decodeSeconds, 2), fmt(recoverySeconds - readSeconds - decodeSeconds, 2),
                            fmt(Double(recovered.positions)), matches ? "yes" : "NO"], json: o)
        guard matches else { throw BenchError("recovered \(recovered); the seed holds \(expected)") }

        var sizes = JSONObject()
        sizes.set("bench", .string("coordinator.memory.strides"))
        sizes.set("position_record_bytes", .int(Int64(MemoryLayout<PositionRecord>.stride)))
        sizes.set("account_record_bytes", .int(Int64(MemoryLayout<AccountRecord>.stride)))
        sizes.set("relation_record_bytes", .int(Int64(MemoryLayout<RelationRecord>.stride)))
        if json { print(sizes.text) }
        report.note("Aim (issue 13): at most 300 bytes of resident memory per open position at 1,000,000 positions. 'RSS B/position' is "
                    + "the growth of /proc/self/statm's resident pages (after malloc_trim) over the positions; 'malloc B/position' is the "
                    + "growth of bytes malloc has handed out and not had back, which excludes allocator slack; from malloc_info.")
        report.note("The fan-out shape (the headline) counts each copier's account and relation against its one position (N + 1 "
                    + "positions: the trader's too), ids as the engine makes them (p-…, r-…) and client ids c-… (≤ 15 bytes, inline "
                    + "strings); 'positions only' is the ticks bench's seed (4 positions per account id, no account records).")
        report.note("In-memory sizes: PositionRecord \(MemoryLayout<PositionRecord>.stride) B, AccountRecord "
                    + "\(MemoryLayout<AccountRecord>.stride) B, RelationRecord \(MemoryLayout<RelationRecord>.stride) B "
                    + "(MemoryLayout stride; a dictionary slot adds its 16-byte String key, at a load factor of 0.375 to 0.75).")
        report.note("Peak RSS: the process's high-water mark (VmHWM, reset through /proc/self/clear_refs before the step).")
        report.finish()
        recoveryReport.note("Aim (issue 13): recovery of 1,000,000 positions from a snapshot in under 2 s. Timed: opening a new "
                            + "SQLiteJournalStore and Sequencer.init until it returns (state applied, idempotency keys loaded).")
        recoveryReport.note("The snapshot is written by the first sequencer's shutdown (Sequencer.save, OutcomeWire.snapshot) "
                            + "after it replayed a journal seeded with the fan-out shape; the recovered state is checked against "
                            + "what the seed holds (positions, accounts, relations, total margin, total wallet, liquidation index).")
        recoveryReport.note("'read snapshot' and 'protobuf decode' are timed again after the recovery through the public API "
                            + "(JournalStore.latestSnapshot, Copytrade_V1_Snapshot(serializedBytes:)); the rest is by difference.")
        recoveryReport.finish()

        if options.memoryBreakdown { try await memoryBreakdown(n) }
    }

    /// Where the bytes go: each part built alone in a real EngineState (or, for what the state
    /// does not expose, a collection of the same type), measured as malloc's bytes in use.
    func memoryBreakdown(_ n: Int) async throws {
        let report = Report("coordinator (e): malloc bytes per copier by part of the state (each built alone, \(fmt(Double(n))) copiers)",
                            columns: ["part", "B/copier", "what"], json: json)
        var results: [String: Double] = [:]
        func measure(_ key: String, _ what: String, _ build: () async throws -> Any) async rethrows {
            let before = MemoryUse.now()
            let value = try await build()
            let after = MemoryUse.now()
            withExtendedLifetime(value) {}
            let per = Double(after.heapBytes - before.heapBytes) / Double(n)
            results[key] = per
            var o = JSONObject()
            o.set("bench", .string("coordinator.memory.breakdown"))
            o.set("part", .string(key))
            o.set("bytes_per_copier", .double(per))
            report.add([key, fmt(per, 0), what], json: o)
        }
        /// Positions applied to a new EngineState 10,000 at a time.
        func state(_ make: (Int) -> PositionRecord) -> EngineState {
            var s = EngineState()
            for k in stride(from: 0, to: n, by: 10_000) {
                var c = StateChanges()
                for i in k..<min(n, k + 10_000) { let p = make(i); c.positions[p.id] = p }
                s.apply(c)
            }
            return s
        }
        /// Accounts or relations replayed from an in-memory journal (the store is gone when the
        /// state is measured; the state is what the sequencer recovered).
        func replayed(accounts: Bool, relations: Bool) async throws -> EngineState {
            let store = InMemoryJournalStore()
            try await seedMemoryJournal(store, positions: n, accounts: accounts, relations: relations, copies: false)
            let sequencer = try await Sequencer(engine: Engine(modules: .inProcess()), store: store, logger: quiet)
            let s = await sequencer.snapshotOfState
            await sequencer.shutdown()
            return s
        }
        progress("coordinator: memory breakdown")
        try await measure("accounts", "the N + 1 accounts only (accounts table)") { try await replayed(accounts: true, relations: false) }
        try await measure("relations", "the N relations only (relations, relationsByTrader, relationsByCopier)") {
            try await replayed(accounts: false, relations: true)
        }
        func plain(_ i: Int) -> PositionRecord {
            var p = Self.memoryCopy(i, positions: n)
            p.copiedFrom = nil
            p.relationID = nil
            p.liquidationPrice = nil
            return p
        }
        await measure("positions, plain", "the N positions, not copies, no liquidation price (positions, positionsByAccount)") {
            state(plain)
        }
        await measure("positions, indexed", "same with a liquidation price (+ liquidationIndex)") {
            state { i in
                var p = plain(i)
                p.liquidationPrice = Self.memoryCopy(i, positions: n).liquidationPrice
                return p
            }
        }
        await measure("positions, copies", "same as copies of one trader position (+ copiesOf): the fan-out's positions") {
            state { Self.memoryCopy($0, positions: n) }
        }
        await measure("[String: PositionRecord]", "a dictionary of the N positions alone, grown as apply grows it") {
            var d: [String: PositionRecord] = [:]
            for k in stride(from: 0, to: n, by: 10_000) {
                d.reserveCapacity(d.count + 10_000)
                for i in k..<min(n, k + 10_000) { let p = Self.memoryCopy(i, positions: n); d[p.id] = p }
            }
            return d
        }
        await measure("[String: Set<String>], 1 each", "N keys with a one-element set each (positionsByAccount, relationsByCopier)") {
            var d: [String: Set<String>] = [:]
            for i in 0..<n { d["c-\(i)", default: []].insert("p-\(n + 3 + i)") }
            return d
        }
        await measure("Set<String> of N", "one set holding N ids (copiesOf, relationsByTrader)") {
            Set((0..<n).map { "p-\(n + 3 + $0)" })
        }
        await measure("[String] of 36-byte ids", "an array of N UUID-length ids: the array's 16 B each plus one heap string each") {
            (0..<n).map { i in "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - String(i).count)) + String(i) }
        }
        await measure("[String] of small ids", "reference: an array of N ids of at most 15 bytes (16 B each, inline)") {
            (0..<n).map { "c-\($0)" }
        }
        let index = (results["positions, indexed"] ?? 0) - (results["positions, plain"] ?? 0)
        let byAccount = (results["positions, plain"] ?? 0) - (results["[String: PositionRecord]"] ?? 0)
        let copies = (results["positions, copies"] ?? 0) - (results["positions, indexed"] ?? 0)
        let longID = (results["[String] of 36-byte ids"] ?? 0) - (results["[String] of small ids"] ?? 0)
        report.note("By difference: liquidationIndex ≈ \(fmt(index, 0)) B/position, positionsByAccount ≈ \(fmt(byAccount, 0)) B/position, "
                    + "copiesOf ≈ \(fmt(copies, 0)) B/position; an id longer than 15 bytes costs ≈ \(fmt(longID, 0)) B of heap per "
                    + "separately decoded copy of it.")
        report.note("Each part is built in its own EngineState (accounts and relations replayed by a Sequencer from an "
                    + "InMemoryJournalStore, since RelationRecord's initializer is internal) and freed before the next.")
        report.finish()
    }
}
