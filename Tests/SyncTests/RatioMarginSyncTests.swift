import CopyTradeCore
import Sync
import Testing

@Suite("Margin sync decisions (SPEC §5)")
struct RatioMarginSyncTests {
    let policy = try! RatioMarginSync()

    @Test("add: r = 100/1000 = 0.1 of 500 -> +50 applied")
    func applyAdd() throws {
        let d = try policy.decide(signal(), copier())
        #expect(d == SyncDecision(outcome: .applied, proportionalDelta: 50, appliedDelta: 50))
        #expect(d.movesMargin)
    }

    @Test("reduce: -250/1000 of 500 -> -125 applied")
    func applyReduce() throws {
        #expect(try policy.decide(signal(delta: -250), copier()) == SyncDecision(outcome: .applied, proportionalDelta: -125, appliedDelta: -125))
    }

    @Test("the delta is D*Mc/Mt exactly, rounded toward zero once (not r rounded first)")
    func exactRatio() throws {
        // D/Mt = 1/3 would round to 0.33333333 and give 99.999999 of 300; D*Mc/Mt = 100 exactly.
        #expect(try policy.decide(signal(before: 3, delta: 1), copier(margin: 300)).appliedDelta == 100)
        // 1/3 of 1 = 0.333333333... -> 0.33333333 (toward zero); -1/3 of 1 -> -0.33333333.
        #expect(try policy.decide(signal(before: 3, delta: 1), copier(margin: 1)).appliedDelta == "0.33333333")
        #expect(try policy.decide(signal(before: 3, delta: -1), copier(margin: 1)).appliedDelta == "-0.33333333")
    }

    @Test("add needs the whole delta available: exactly enough applies, one unit less skips")
    func insufficientBalance() throws {
        #expect(try policy.decide(signal(), copier(available: 50)).outcome == .applied)
        let d = try policy.decide(signal(), copier(available: "49.99999999"))
        #expect(d == SyncDecision(outcome: .insufficientBalance, proportionalDelta: 50, appliedDelta: 0))
        #expect(!d.movesMargin)
    }

    @Test("reduce is capped to the maximum reducible")
    func capped() throws {
        #expect(try policy.decide(signal(delta: -250), copier(maxReducible: 125)).outcome == .applied)
        let d = try policy.decide(signal(delta: -250), copier(maxReducible: 80))
        #expect(d == SyncDecision(outcome: .capped, proportionalDelta: -125, appliedDelta: -80))
    }

    @Test("a maximum reducible of 0 gives capped with 0")
    func cappedAtZero() throws {
        let d = try policy.decide(signal(delta: -250), copier(maxReducible: 0))
        #expect(d == SyncDecision(outcome: .capped, proportionalDelta: -125, appliedDelta: 0))
        #expect(!d.movesMargin)
    }

    @Test("a delta rounding to zero is nothing to apply, for adds and reduces")
    func nothingToApply() throws {
        // 0.00000001 * 0.5 / 1000 -> 0.
        #expect(try policy.decide(signal(delta: Decimal8.ulp), copier(margin: "0.5", available: 0)) == SyncDecision(outcome: .nothingToApply))
        #expect(try policy.decide(signal(delta: "-0.00000001"), copier(margin: "0.5", maxReducible: 0)).outcome == .nothingToApply)
        #expect(try policy.decide(signal(), copier(margin: 0)).outcome == .nothingToApply)
    }

    @Test("not eligible is checked first")
    func notEligible() throws {
        let d = try policy.decide(signal(mode: .cross, eligible: false), copier(established: 99_999, mode: .cross))
        #expect(d == SyncDecision(outcome: .notEligible))
    }

    @Test("not isolated: trader or copier in cross", arguments: [(MarginMode.cross, MarginMode.isolated), (.isolated, .cross), (.cross, .cross)])
    func notIsolated(_ modes: (MarginMode, MarginMode)) throws {
        // Also out of scope, but isolation is checked first.
        let d = try policy.decide(signal(mode: modes.0), copier(established: 99_999, mode: modes.1))
        #expect(d.outcome == .notIsolated)
    }

    @Test("out of scope: occurred before the relation; the same millisecond is in scope")
    func outOfScope() throws {
        #expect(try policy.decide(signal(occurred: 10_000, received: 80_000), copier(established: 10_001)).outcome == .outOfScope)
        #expect(try policy.decide(signal(occurred: 10_000), copier(established: 10_000)).outcome == .applied)
    }

    @Test("stale: a delay above 60 s is dropped; exactly 60 s is not")
    func stale() throws {
        #expect(try policy.decide(signal(occurred: 10_000, received: 70_001), copier()) == SyncDecision(outcome: .stale))
        #expect(try policy.decide(signal(occurred: 10_000, received: 70_000), copier()).outcome == .applied)
        // Stale is checked before the balance.
        #expect(try policy.decide(signal(occurred: 10_000, received: 70_001), copier(available: 0)).outcome == .stale)
        // Clock skew (received before occurred) counts as no delay.
        #expect(try policy.decide(signal(occurred: 10_000, received: 9_000), copier()).outcome == .applied)
        // A delay too large for Int64 is stale, not a crash.
        #expect(try policy.decide(signal(occurred: .min, received: .max), copier(established: .min)).outcome == .stale)
    }

    @Test("the staleness limit is configurable")
    func configurableStaleness() throws {
        let strict = try RatioMarginSync(maxDelay: 1_000)
        #expect(try strict.decide(signal(occurred: 0, received: 1_001), copier()).outcome == .stale)
        #expect(try strict.decide(signal(occurred: 0, received: 1_000), copier()).outcome == .applied)
        let e = #expect(throws: DomainError.self) { try RatioMarginSync(maxDelay: -1) }
        #expect(e?.field == "maxDelay")
    }

    @Test("every outcome has a message", arguments: SyncOutcome.allCases)
    func messages(_ outcome: SyncOutcome) {
        #expect(!SyncDecision(outcome: outcome).message.isEmpty)
    }
}
