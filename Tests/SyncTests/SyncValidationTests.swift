import CopyTradeCore
import Sync
import Testing

@Suite("Margin sync input validation")
struct SyncValidationTests {
    let policy = try! RatioMarginSync()

    @Test("bad signals and copier states name their field",
          arguments: [
            (signal(before: 0), copier(), "signal.traderMarginBefore"),
            (signal(before: "-1"), copier(), "signal.traderMarginBefore"),
            (signal(delta: 0), copier(), "signal.delta"),
            (signal(before: 100, delta: -100), copier(), "signal.delta"),
            (signal(), copier(margin: "-1"), "copier.positionMargin"),
            (signal(), copier(available: "-0.00000001"), "copier.availableBalance"),
            (signal(delta: -10), copier(maxReducible: "-1"), "copier.maxReducible"),
            // Validation comes before the not-eligible outcome.
            (signal(delta: 0, eligible: false), copier(), "signal.delta"),
          ])
    func namesField(_ c: (MarginSyncSignal, CopierMarginState, String)) {
        let e = #expect(throws: DomainError.self) { try policy.decide(c.0, c.1) }
        #expect(e?.code == .invalidArgument)
        #expect(e?.field == c.2)
    }
}

@Suite("Batch decisions")
struct BatchSyncTests {
    let policy = try! RatioMarginSync()

    @Test("one signal, many copiers: decisions in input order")
    func batch() throws {
        let copiers = [
            copier("a"),                                  // +50
            copier("b", available: 10),                   // insufficient
            copier("c", mode: .cross),                    // not isolated
            copier("d", established: 20_000),             // out of scope
            copier("e", margin: 1_234),                   // +123.4
        ]
        let decisions = try policy.decideAll(signal(), copiers)
        #expect(decisions.map(\.outcome) == [.applied, .insufficientBalance, .notIsolated, .outOfScope, .applied])
        #expect(decisions.map(\.appliedDelta) == [50, 0, 0, 0, "123.4"])
        // Same as one-by-one.
        #expect(decisions == (try copiers.map { try policy.decide(signal(), $0) }))
        #expect(try policy.decideAll(signal(), []).isEmpty)
    }

    @Test("a bad row fails the batch naming its index; a bad signal names the signal")
    func batchErrors() {
        let row = #expect(throws: DomainError.self) { try policy.decideAll(signal(), [copier(), copier(margin: "-1")]) }
        #expect(row?.field == "copiers[1].positionMargin")
        let sig = #expect(throws: DomainError.self) { try policy.decideAll(signal(delta: 0), [copier()]) }
        #expect(sig?.field == "signal.delta")
    }
}
