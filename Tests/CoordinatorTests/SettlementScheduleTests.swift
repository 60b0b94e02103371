import CopyTradeCore
import CopyTradeProto
import Foundation
import Journal
import Logging
import Testing
@testable import Coordinator

/// docs/protections.md, "Settlement schedule": the times, and a driven clock replaying them.
@Suite("Settlement schedule")
struct SettlementScheduleTests {
    /// 2026-01-05T00:00:00Z, a Monday.
    static let monday: Millis = 1_767_571_200_000

    @Test("weekly Monday 00:00 UTC by default; daily and other weekdays; off; bad text refused naming the field")
    func times() throws {
        let s = SettlementSchedule.standard
        #expect(s.latest(atOrBefore: Self.monday) == Self.monday)
        #expect(s.latest(atOrBefore: Self.monday - 1) == Self.monday - 7 * 86_400_000)
        #expect(s.next(after: Self.monday) == Self.monday + 7 * 86_400_000)
        #expect(try SettlementSchedule(parsing: "weekly:wed@08:30").latest(atOrBefore: Self.monday + 3 * 86_400_000)
                == Self.monday + 2 * 86_400_000 + 8 * 3_600_000 + 30 * 60_000)
        #expect(try SettlementSchedule(parsing: "daily@23:00").next(after: Self.monday) == Self.monday + 23 * 3_600_000)
        #expect(try SettlementSchedule(parsing: "off").next(after: 0) == nil)
        #expect(try SettlementSchedule(parsing: "weekly").description == "weekly:mon@00:00")
        for bad in ["hourly", "weekly:xyz", "daily@25:00", "daily@1:00", "weekly@"] {
            #expect(throws: DomainError.self) { try SettlementSchedule(parsing: bad) }
        }
        do { _ = try SettlementSchedule(parsing: "monthly", field: "--settlement-schedule") } catch let e as DomainError {
            #expect(e.field == "--settlement-schedule")
        }
        #expect(UTCDay.of(Self.monday) == 20_458 && UTCDay.of(Self.monday - 1) == 20_457)
    }

    @Test("engine.settlementSchedule in the configuration file; a bad one refused naming the key")
    func configuration() throws {
        let file = try RoutingFile.parse("engine:\n  settlementSchedule: daily@06:30\n", base: ".")
        #expect(file.engine.settlementSchedule == .daily(minute: 390))
        #expect(try RoutingFile.parse("engine:\n  preset: bingx\n", base: ".").engine.settlementSchedule == .standard)
        do {
            _ = try RoutingFile.parse("engine:\n  settlementSchedule: monthly\n", base: ".")
            Issue.record("a monthly schedule was accepted")
        } catch let e as DomainError {
            #expect(e.field.hasSuffix("engine.settlementSchedule"), "\(e)")
        }
    }

    @Test("a driven clock settles at each Monday once, journaled; after a restart the same Monday is not settled again")
    func drivenClockSettles() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("journal.sqlite").path
        let clock = ManualClock(startMs: Self.monday + 3_600_000)
        func open() async throws -> Sequencer {
            try await Sequencer(engine: Engine(modules: .inProcess()), store: try SQLiteJournalStore(path: path), clock: clock,
                                logger: Logger(label: "test"))
        }
        var s = try await open()
        func submit(_ key: String, _ fill: (inout Copytrade_V1_Input) -> Void) async throws {
            var input = Copytrade_V1_Input()
            fill(&input)
            _ = try await s.submit(input, key: key)
        }
        func e8(_ t: String) -> Int64 { (try! Decimal8(parsing: t)).e8 }
        try await submit("a") { $0.createAccount.accountID = "T1"; $0.createAccount.role = .trader }
        try await submit("b") { $0.createAccount.accountID = "C2"; $0.createAccount.role = .copier }
        try await submit("c") { $0.deposit.accountID = "T1"; $0.deposit.amountE8 = e8("100000") }
        try await submit("d") { $0.deposit.accountID = "C2"; $0.deposit.amountE8 = e8("10000") }
        try await submit("e") { $0.setAccount.accountID = "T1"; $0.setAccount.hasProfitShareRatio_p = true; $0.setAccount.profitShareRatioE8 = e8("0.1") }
        try await submit("f") {
            $0.follow.copierID = "C2"; $0.follow.traderID = "T1"; $0.follow.mode = .proportional
            $0.follow.multiplierE8 = e8("1"); $0.follow.leverage = 10
        }
        try await submit("g") {
            $0.open.accountID = "T1"; $0.open.symbol = "BTCUSDT"; $0.open.side = .long; $0.open.quantityE8 = e8("0.5")
            $0.open.priceE8 = e8("20000"); $0.open.leverage = 10
        }
        try await submit("h") { $0.close.accountID = "T1"; $0.close.symbol = "BTCUSDT"; $0.close.priceE8 = e8("21000") }
        // Before the next Monday nothing is settled; at it, once.
        clock.set(Self.monday + 7 * 86_400_000 - 1)
        await s.releaseDueSignals()
        #expect(await s.snapshotOfState.accounts["C2"]?.profitSharePaid == .zero)
        clock.set(Self.monday + 7 * 86_400_000 + 5)
        await s.releaseDueSignals()
        await s.releaseDueSignals()
        let state = await s.snapshotOfState
        #expect(state.accounts["C2"]?.profitSharePaid == "48.48525" && state.accounts["T1"]?.profitShareReceived == "48.48525")
        #expect(state.settledScheduleMs == Self.monday + 7 * 86_400_000)
        let sequence = await s.lastSequence
        await s.shutdown()
        s = try await open()
        await s.releaseDueSignals()
        #expect(await s.lastSequence == sequence)
        #expect(await s.snapshotOfState.settledScheduleMs == Self.monday + 7 * 86_400_000)
        // A client cannot run a scheduled settlement.
        await #expect(throws: DomainError.self) {
            try await submit("x") { $0.settle.scheduled = true; $0.settle.dueMs = Self.monday + 14 * 86_400_000 }
        }
        await s.shutdown()
    }
}
