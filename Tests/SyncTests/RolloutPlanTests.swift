import CopyTradeCore
import Sync
import Testing

@Suite("Gradual rollout (SPEC §5)")
struct RolloutPlanTests {
    @Test("a trader is eligible from the phase start, not before")
    func phaseStart() throws {
        let plan = try RolloutPlan(phases: [RolloutPhase(name: "btc-first", startsAt: 1_000, rule: .markets(["BTCUSDT"]))])
        let t = AccountID("trader-1")
        #expect(plan.isEligible(trader: t, market: "BTCUSDT", region: "EU", at: 999) == (false, nil))
        #expect(plan.isEligible(trader: t, market: "BTCUSDT", region: "EU", at: 1_000) == (true, "btc-first"))
        #expect(plan.isEligible(trader: t, market: "ETHUSDT", region: "EU", at: 5_000) == (false, nil))
    }

    @Test("regions and everyone; the earliest started matching phase is reported")
    func regionsAndEveryone() throws {
        let plan = try RolloutPlan(phases: [
            RolloutPhase(name: "ga", startsAt: 3_000, rule: .everyone),
            RolloutPhase(name: "eu", startsAt: 2_000, rule: .regions(["EU"])),
        ])
        let t = AccountID("trader-1")
        #expect(plan.phases.map(\.name) == ["eu", "ga"])
        #expect(plan.isEligible(trader: t, market: "X", region: "EU", at: 2_500) == (true, "eu"))
        #expect(plan.isEligible(trader: t, market: "X", region: "US", at: 2_500) == (false, nil))
        #expect(plan.isEligible(trader: t, market: "X", region: "US", at: 3_000) == (true, "ga"))
        #expect(plan.isEligible(trader: t, market: "X", region: "EU", at: 3_000) == (true, "eu"))
    }

    /// The reference schedule's first phase: a share of the traders in some markets. MARIA
    /// (bucket 2421) is inside a 0.25 share, LUIS (8526) is not, CAMILLE (622) is but trades in FR.
    @Test("a share narrowed to markets covers only the share's traders in those markets")
    func shareWithinMarkets() throws {
        #expect([RolloutPlan.bucket(of: AccountID("MARIA")), RolloutPlan.bucket(of: AccountID("LUIS")), RolloutPlan.bucket(of: AccountID("CAMILLE"))] == [2421, 8526, 622])
        let plan = try RolloutPlan(phases: [
            RolloutPhase(name: "spanish-share", startsAt: 1_000, rule: .share("0.25"), withinMarkets: ["ES", "MX"]),
            RolloutPhase(name: "spanish", startsAt: 2_000, rule: .markets(["ES", "MX"])),
            RolloutPhase(name: "eu-spain", startsAt: 2_500, rule: .markets(["ES"]), withinRegions: ["EU"]),
        ])
        #expect(plan.isEligible(trader: AccountID("MARIA"), market: "ES", region: "", at: 999) == (false, nil))
        #expect(plan.isEligible(trader: AccountID("MARIA"), market: "ES", region: "", at: 1_000) == (true, "spanish-share"))
        #expect(plan.isEligible(trader: AccountID("LUIS"), market: "MX", region: "", at: 1_999) == (false, nil))
        #expect(plan.isEligible(trader: AccountID("LUIS"), market: "MX", region: "", at: 2_000) == (true, "spanish"))
        #expect(plan.isEligible(trader: AccountID("CAMILLE"), market: "FR", region: "EU", at: 9_000) == (false, nil))
        #expect(plan.isEligible(trader: AccountID("CAMILLE"), market: "ES", region: "EU", at: 1_000) == (true, "spanish-share"))
        #expect(plan.isEligible(trader: AccountID("LUIS"), market: "ES", region: "LATAM", at: 2_499) == (true, "spanish"))
        let narrowed = try RolloutPlan(phases: [RolloutPhase(name: "eu-spain", startsAt: 0, rule: .markets(["ES"]), withinRegions: ["EU"])])
        #expect(narrowed.isEligible(trader: AccountID("LUIS"), market: "ES", region: "LATAM", at: 0) == (false, nil))
        #expect(narrowed.isEligible(trader: AccountID("LUIS"), market: "ES", region: "EU", at: 0) == (true, "eu-spain"))
    }

    @Test("FNV-1a 64 matches the published test vectors")
    func fnvVectors() {
        #expect(RolloutPlan.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(RolloutPlan.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(RolloutPlan.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    private func eligible(share: Decimal8, count: Int = 10_000) throws -> Set<Int> {
        let plan = try RolloutPlan(phases: [RolloutPhase(name: "share", startsAt: 0, rule: .share(share))])
        return Set((0..<count).filter { plan.isEligible(trader: AccountID("trader-\($0)"), market: "", region: "", at: 0).eligible })
    }

    @Test("a share is stable and roughly proportional: 0.25 of 10,000 ids is within 2,200...2,800")
    func shareProportional() throws {
        let quarter = try eligible(share: "0.25")
        #expect((2_200...2_800).contains(quarter.count))
        #expect(try eligible(share: "0.25") == quarter)
        #expect(try eligible(share: 0).isEmpty)
        #expect(try eligible(share: 1).count == 10_000)
    }

    @Test("expanding the share keeps every previously eligible trader eligible")
    func shareExpansion() throws {
        var previous: Set<Int> = []
        for share: Decimal8 in ["0.01", "0.1", "0.25", "0.3", "0.5", "0.9999"] {
            let now = try eligible(share: share)
            #expect(previous.isSubset(of: now))
            previous = now
        }
    }

    @Test("bad phases name their field",
          arguments: [
            (RolloutPhase(name: "", startsAt: 0, rule: .everyone), "phases[0].name"),
            (RolloutPhase(name: "m", startsAt: 0, rule: .markets([])), "phases[0].markets"),
            (RolloutPhase(name: "r", startsAt: 0, rule: .regions([])), "phases[0].regions"),
            (RolloutPhase(name: "s", startsAt: 0, rule: .share("1.00000001")), "phases[0].share"),
            (RolloutPhase(name: "s", startsAt: 0, rule: .share("-0.1")), "phases[0].share"),
          ])
    func validation(_ c: (RolloutPhase, String)) {
        let e = #expect(throws: DomainError.self) { try RolloutPlan(phases: [c.0]) }
        #expect(e?.field == c.1)
    }
}
