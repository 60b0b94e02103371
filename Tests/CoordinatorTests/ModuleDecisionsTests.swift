import CopyTradeCore
import CopyTradeProto
import Margin
import Pricing
import Sizing
import Sync
import Testing
@testable import Coordinator

/// The engine asks its modules in domain values (docs/decisions.md, "Coordinator"): the
/// built-in modules called directly and the same modules reached through their wire APIs (the
/// remote adapters' conversions) must decide every input identically.
@Suite("Module decisions")
struct ModuleDecisionsTests {
    /// A session touching every module call: sizing (planned, skipped), evaluations, cross,
    /// sync additions and reductions, auto margin, liquidation, pro-rata closes.
    static func session(_ modules: ModuleSet) async throws -> (events: [Copytrade_V1_Event], state: EngineState) {
        var h = EngineHarness(modules: modules)
        var events: [Copytrade_V1_Event] = []
        func keep(_ c: StateChanges) { events += c.events }
        try await h.account("T", trader: true, deposit: "100000")
        try await h.account("C1", trader: false, deposit: "5000")
        try await h.account("C2", trader: false, deposit: "3000")
        try await h.account("C3", trader: false, deposit: "2600")
        try await h.account("X", trader: false, deposit: "1")
        try await h.follow("C1", "T", multiplier: "0.5")
        try await h.follow("C2", "T", cross: true)
        try await h.follow("C3", "T", autoMargin: "100")
        try await h.follow("X", "T")
        keep(try await h.mark("BTCUSDT", "20000"))
        keep(try await h.open("T", "BTCUSDT", long: true, qty: "1", price: "20000"))
        for delta in ["500", "-300"] {
            let adjusted = try await h.run {
                $0.adjustMargin.accountID = "T"
                $0.adjustMargin.symbol = "BTCUSDT"
                $0.adjustMargin.deltaE8 = EngineHarness.e8(delta)
            }
            keep(adjusted)
            keep(try await h.run { $0.syncRelease.signalIds = adjusted.heldSignals.map(\.signalID) })
        }
        keep(try await h.run {
            $0.close.accountID = "T"
            $0.close.symbol = "BTCUSDT"
            $0.close.quantityE8 = EngineHarness.e8("0.5")
        })
        for price in ["19000", "18300", "18100", "17000"] { keep(try await h.mark("BTCUSDT", price)) }
        return (events, h.state)
    }

    @Test("in process and over the wire: the same events and the same state")
    func inProcessEqualsOverWire() async throws {
        let local = try await Self.session(.inProcess())
        let wire = try await Self.session(.overWire(pricing: PricingHandler(), margin: MarginHandler(), sizing: SizingHandler(), sync: SyncHandler()))
        #expect(local.events.count > 20)
        #expect(Set(local.events.map(\.kind)).isSuperset(of: ["copy.opened", "copy.skipped", "copy.reduced", "sync.applied", "automargin.added", "liquidated"]),
                "\(Set(local.events.map(\.kind)))")
        #expect(local.events == wire.events)
        #expect(local.state.positions == wire.state.positions && local.state.accounts == wire.state.accounts)
    }

    @Test("skip reasons and sync outcomes are recorded under the wire's names", arguments: Copytrade_V1_SkipReason.allCases)
    func skipReasonNames(_ w: Copytrade_V1_SkipReason) {
        #expect((SizingOverWire.reason(w)?.historyName ?? unknownOutcomeName) == w.name)
    }

    @Test("sync outcomes are recorded under the wire's names", arguments: Copytrade_V1_SyncOutcome.allCases)
    func syncOutcomeNames(_ w: Copytrade_V1_SyncOutcome) {
        #expect((SyncOverWire.outcome(w)?.historyName ?? unknownOutcomeName) == w.name)
    }

    @Test("event kinds keep their wire names, each its own")
    func eventKindNames() {
        let names = EventKind.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        #expect(EventKind.copyCloseSkipped.rawValue == "copy.close_skipped" && EventKind.autoMarginAdded.rawValue == "automargin.added")
        #expect(ClosedPosition.own.kind(full: true) == .positionClosed && ClosedPosition.cross.kind(full: false) == .crossReduced)
    }

    @Test("a remote auto-margin answer without an action is refused UNAVAILABLE, nothing applied")
    func unsetActionIsAModuleFault() async throws {
        var modules = ModuleSet.inProcess()
        modules.margin = MarginOverWire(NoActionMargin())
        var h = EngineHarness(modules: modules)
        try await h.account("U", trader: true, deposit: "2505")
        try await h.mark("BTCUSDT", "20000")
        try await h.open("U", "BTCUSDT", long: true, qty: "0.5", price: "20000")
        let id = try #require(h.state.positions.values.first?.id)
        _ = try await h.run {
            $0.setAutoMargin.accountID = "U"
            $0.setAutoMargin.positionID = id
            $0.setAutoMargin.enabled = true
            $0.setAutoMargin.amountE8 = EngineHarness.e8("1000")
        }
        do {
            try await h.mark("BTCUSDT", "18069.2")
            Issue.record("the mark was applied")
        } catch let e as DomainError {
            #expect(e.code == .unavailable && e.message.contains("no action"), "\(e)")
        }
        #expect(h.state.positions[id]?.margin == "1000")
    }
}

/// The built-in margin module on the wire, leaving every auto-margin action unset.
struct NoActionMargin: MarginAPI {
    let inner = MarginHandler()
    func evaluate(_ r: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation { try await inner.evaluate(r) }
    func evaluateBatch(_ r: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse { try await inner.evaluateBatch(r) }
    func evaluateAccount(_ r: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation { try await inner.evaluateAccount(r) }
    func decideAutoMargin(_ r: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision {
        var d = try await inner.decideAutoMargin(r)
        d.action = .unspecified
        return d
    }
    func info() async throws -> Copytrade_V1_ModuleInfo { try await inner.info() }
}
