import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

/// Issue 10, "silently accepted values": on the wire, values copyctl never sends were taken
/// as something else (`margin_mode = 9` as isolated, `at_ms` Int64.max as a time, a mark of
/// Int64.max as a price). Each is refused naming the field and the rule, and changes nothing.
@Suite("Input bounds")
struct InputBoundsTests {
    /// T (100,000) and the copier C (10,000) following it; BTCUSDT marked at 20,000.
    static func market() async throws -> EngineHarness {
        var h = EngineHarness()
        try await h.account("T", trader: true, deposit: "100000")
        try await h.account("C", trader: false, deposit: "10000")
        try await h.follow("C", "T")
        try await h.mark("BTCUSDT", "20000")
        return h
    }

    /// Runs an input that must be refused; returns the refusal, checking the state is untouched.
    static func refused(_ h: inout EngineHarness, _ fill: (inout Copytrade_V1_Input) -> Void) async throws -> DomainError {
        let before = (h.state.positions, h.state.accounts, h.state.marks, h.state.relations, h.state.orders, h.state.nextID)
        do {
            try await h.run(fill)
        } catch let e as DomainError {
            let after = (h.state.positions, h.state.accounts, h.state.marks, h.state.relations, h.state.orders, h.state.nextID)
            #expect(after == before, "a refused input changed the state")
            return e
        }
        Issue.record("the input was accepted")
        return DomainError.invalid("", "accepted")
    }

    static func open(_ i: inout Copytrade_V1_Input, _ account: String = "T", at: Int64 = 0) {
        i.open.accountID = account
        i.open.symbol = "BTCUSDT"
        i.open.side = .long
        i.open.quantityE8 = EngineHarness.e8("0.5")
        i.open.priceE8 = EngineHarness.e8("20000")
        i.open.leverage = 10
        i.open.atMs = at
    }

    // MARK: Occurrence times

    @Test("at_ms Int64.max on an open is refused naming at; nothing opens")
    func occurrenceFarInTheFuture() async throws {
        var h = try await Self.market()
        let e = try await Self.refused(&h) { Self.open(&$0, at: Int64.max) }
        #expect(e.code == .invalidArgument)
        #expect(e.field == "at")
        #expect(e.message == "must not be more than 60 s after the time the coordinator received the input (\(h.clockMs) ms), got \(Int64.max) ms")
    }

    @Test("a negative at_ms on a mark is refused naming at")
    func negativeOccurrence() async throws {
        var h = try await Self.market()
        let e = try await Self.refused(&h) {
            $0.setMark.symbol = "BTCUSDT"
            $0.setMark.priceE8 = EngineHarness.e8("20100")
            $0.setMark.atMs = -5
        }
        #expect(e.field == "at")
        #expect(e.message == "must not be before the epoch (1970-01-01T00:00:00Z), got -5 ms")
    }

    @Test("occurrence bounds: 60 s ahead is accepted, 60.001 s refused; an hour in the past is accepted (SPEC §5 drops stale signals, it does not refuse them)")
    func occurrenceTolerance() async throws {
        var h = try await Self.market()
        let first = h.clockMs + 1_000   // each input is received 1 s after the one before
        let e = try await Self.refused(&h) { $0.follow.copierID = "C"; $0.follow.traderID = "T"; $0.follow.atMs = first + 60_001 }
        #expect(e.field == "at")
        let second = h.clockMs + 1_000
        try await h.run { Self.open(&$0, at: second + 60_000) }
        #expect(h.state.positions.values.first { $0.account == "T" }?.openedMs == second + 60_000)
        let third = h.clockMs + 1_000
        try await h.run {
            $0.adjustMargin.accountID = "T"
            $0.adjustMargin.symbol = "BTCUSDT"
            $0.adjustMargin.deltaE8 = EngineHarness.e8("100")
            $0.adjustMargin.atMs = third - 3_600_000
        }
        #expect(h.lastChanges.events.map(\.kind) == ["margin.added", "sync.received"])
    }

    // MARK: Enums

    @Test("margin_mode 9 on an open is refused naming marginMode, not opened isolated")
    func unknownMarginModeOnOpen() async throws {
        var h = try await Self.market()
        let e = try await Self.refused(&h) {
            Self.open(&$0)
            $0.open.marginMode = .UNRECOGNIZED(9)
        }
        #expect(e.field == "marginMode")
        #expect(e.message == "must be isolated or cross, got 9")
    }

    @Test("margin_mode 9 on a follow, for every symbol or one, is refused naming the field")
    func unknownMarginModeOnFollow() async throws {
        var h = try await Self.market()
        try await h.account("D", trader: false, deposit: "100")
        var e = try await Self.refused(&h) {
            $0.follow.copierID = "D"; $0.follow.traderID = "T"; $0.follow.multiplierE8 = EngineHarness.e8("1"); $0.follow.leverage = 10
            $0.follow.marginMode = .UNRECOGNIZED(9)
        }
        #expect(e.field == "marginMode")
        e = try await Self.refused(&h) {
            $0.follow.copierID = "D"; $0.follow.traderID = "T"; $0.follow.multiplierE8 = EngineHarness.e8("1"); $0.follow.leverage = 10
            $0.follow.symbolMarginMode["ETHUSDT"] = .UNRECOGNIZED(7)
        }
        #expect(e.field == "symbolMarginMode.ETHUSDT")
        #expect(e.message == "must be isolated or cross, got 7")
    }

    // MARK: Marks

    @Test("a mark off the tick is refused naming price and the tick")
    func markOffTheTick() async throws {
        var h = try await Self.market()
        let e = try await Self.refused(&h) { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = EngineHarness.e8("20000.05") }
        #expect(e.field == "price")
        #expect(e.message == "must be a multiple of the tick 0.1, got 20000.05")
    }

    @Test("a mark of Int64.max, or on the tick but 4.6 million times the last, is refused naming price")
    func absurdMark() async throws {
        var h = try await Self.market()
        var e = try await Self.refused(&h) { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = Int64.max }
        #expect(e.field == "price")
        e = try await Self.refused(&h) { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = EngineHarness.e8("92233720368.5") }
        #expect(e.field == "price")
        #expect(e.message == "must be within 100 times of 20000 (the last mark, or the open positions' entries before the first mark), got 92233720368.5")
    }

    @Test("the band is inclusive: 100x and 1/100 of the last mark are accepted")
    func markBandEdges() async throws {
        var h = try await Self.market()
        try await h.mark("BTCUSDT", "2000000")
        try await h.mark("BTCUSDT", "20000")
        try await h.mark("BTCUSDT", "200")
        #expect(h.state.marks["BTCUSDT"]?.price == "200")
    }

    @Test("before a symbol's first mark, its open positions' entries bound it")
    func firstMarkBoundedByEntries() async throws {
        var h = EngineHarness()
        try await h.account("T", trader: true, deposit: "100000")
        try await h.open("T", "ETHUSDT", long: true, qty: "1", price: "2000")
        let e = try await Self.refused(&h) { $0.setMark.symbol = "ETHUSDT"; $0.setMark.priceE8 = EngineHarness.e8("200000.01") }
        #expect(e.message == "must be within 100 times of 2000 (the last mark, or the open positions' entries before the first mark), got 200000.01")
        try await h.mark("ETHUSDT", "200000")
        #expect(h.state.marks["ETHUSDT"]?.price == "200000")
    }

    // MARK: Copier accounts

    @Test("a copier account's own open and order are refused naming account; its copies still open")
    func copierOnlyCopies() async throws {
        var h = try await Self.market()
        var e = try await Self.refused(&h) { Self.open(&$0, "C") }
        #expect(e.field == "account")
        #expect(e.message == "\"C\" is a copier account; a copier account only copies; open from a trader account")
        e = try await Self.refused(&h) {
            $0.placeOrder.accountID = "C"; $0.placeOrder.symbol = "BTCUSDT"; $0.placeOrder.side = .long
            $0.placeOrder.quantityE8 = EngineHarness.e8("0.01"); $0.placeOrder.priceE8 = EngineHarness.e8("20000"); $0.placeOrder.leverage = 10
        }
        #expect(e.field == "account")
        #expect(e.message == "\"C\" is a copier account; a copier account only copies; place orders from a trader account")
        try await h.open("T", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        #expect(h.state.positions.values.first { $0.account == "C" }?.quantity == "0.495")
    }
}
