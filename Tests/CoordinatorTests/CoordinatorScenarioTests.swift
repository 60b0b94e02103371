import CopyTradeCore
import CopyTradeProto
import Testing
@testable import Coordinator

/// The seed scenario, SPEC §3's auto-margin walk and idempotency, on the whole coordinator in
/// process (sequencer, engine, in-memory journal, manual clock): the same rules the end-to-end
/// suite checks through processes and sockets, in milliseconds.
@Suite("Coordinator in process")
struct CoordinatorScenarioTests {
    @Test("seed scenario: copies of 0.25, 1 and 5 times; a 50% add skips C (short), a reduce is capped for nobody")
    func seedScenario() async throws {
        let h = try await CoordinatorHarness(reorderWindowMs: 100)
        try await h.seedScenario()
        #expect(await h.margin(of: "A") == "247.4")
        #expect(await h.margin(of: "B") == "990")
        #expect(await h.margin(of: "C") == "4950.2")
        try await h.adjust("500", occurredMs: 0)
        await h.at(200)
        #expect(await h.margin(of: "A") == "371.1")
        #expect(await h.margin(of: "B") == "1485")
        #expect(await h.margin(of: "C") == "4950.2")
        let skipped = try await h.events().filter { $0.kind == "sync.skipped" }
        #expect(skipped.map(\.accountID) == ["C"] && skipped.first?.reason == "insufficient_balance")
    }

    @Test("SPEC §3's walk: add 1000 at 18069.2, the last 500 at 16061.5, liquidated at 15057.7")
    func autoMarginWalk() async throws {
        let h = try await CoordinatorHarness()
        try await h.account("U", trader: true, deposit: "2505")
        try await h.submit { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = CoordinatorHarness.e8("20000") }
        try await h.submit {
            $0.open.accountID = "U"; $0.open.symbol = "BTCUSDT"; $0.open.side = .long
            $0.open.quantityE8 = CoordinatorHarness.e8("0.5"); $0.open.priceE8 = CoordinatorHarness.e8("20000"); $0.open.leverage = 10
        }
        try await h.submit {
            $0.setAutoMargin.accountID = "U"; $0.setAutoMargin.symbol = "BTCUSDT"
            $0.setAutoMargin.enabled = true; $0.setAutoMargin.amountE8 = CoordinatorHarness.e8("1000")
        }
        var added: [Int64] = []
        for mark in ["18069.2", "16061.5", "15057.7"] {
            let r = try await h.submit { $0.setMark.symbol = "BTCUSDT"; $0.setMark.priceE8 = CoordinatorHarness.e8(mark) }
            added += r.events.filter { $0.kind == "automargin.added" }.map(\.amountE8)
            if mark == "15057.7" { #expect(r.events.contains { $0.kind == "liquidated" && $0.amountE8 == CoordinatorHarness.e8("2500") }) }
        }
        #expect(added == [CoordinatorHarness.e8("1000"), CoordinatorHarness.e8("500")])
        #expect(await h.sequencer.snapshotOfState.insurance == "2500")
    }

    @Test("idempotency: the same request is a duplicate, another request under the key is refused naming it, nothing applied twice")
    func idempotency() async throws {
        let h = try await CoordinatorHarness()
        try await h.account("T1", trader: true, deposit: "1")
        try await h.account("C1", trader: false, deposit: "1")
        let first = try await h.submit("d1") { $0.deposit.accountID = "T1"; $0.deposit.amountE8 = CoordinatorHarness.e8("10000") }
        #expect(!first.duplicate)
        let again = try await h.submit("d1") { $0.deposit.accountID = "T1"; $0.deposit.amountE8 = CoordinatorHarness.e8("10000") }
        #expect(again.duplicate && again.sequence == first.sequence)
        do {
            try await h.submit("d1") { $0.deposit.accountID = "C1"; $0.deposit.amountE8 = CoordinatorHarness.e8("500") }
            Issue.record("a reused key answered another request's outcome")
        } catch let e as DomainError {
            #expect(e.code == .failedPrecondition && e.field == "key" && e.message.contains("\"d1\""), "\(e)")
        }
        let state = await h.sequencer.snapshotOfState
        #expect(state.accounts["T1"]?.wallet == "10001" && state.accounts["C1"]?.wallet == "1")
    }

    @Test("generated keys are unguessable and in the reserved namespace; clients cannot use it")
    func generatedKeys() throws {
        let a = IdempotencyKey.generated(), b = IdempotencyKey.generated()
        #expect(a != b && a.hasPrefix("auto-") && a.count > 20)
        #expect(throws: DomainError.self) { try IdempotencyKey.validateClientKey(a) }
        #expect(throws: DomainError.self) { try IdempotencyKey.validateClientKey("sync-release:s-1") }
        #expect(throws: DomainError.self) { try IdempotencyKey.validateClientKey(String(repeating: "k", count: 129)) }
        try IdempotencyKey.validateClientKey(String(repeating: "k", count: 128))
    }

    @Test("an input whose deadline passed while it waited is refused deadlineExceeded and not applied")
    func expiredDeadline() async throws {
        let h = try await CoordinatorHarness()
        try await h.account("A", trader: true, deposit: "1")
        var input = Copytrade_V1_Input()
        input.deposit.accountID = "A"
        input.deposit.amountE8 = CoordinatorHarness.e8("5")
        do {
            _ = try await h.sequencer.submit(input, key: "late", deadline: .now - .milliseconds(1))
            Issue.record("an expired input was applied")
        } catch let e as DomainError {
            #expect(e.code == .deadlineExceeded)
        }
        #expect(await h.sequencer.snapshotOfState.accounts["A"]?.wallet == "1")
    }
}
