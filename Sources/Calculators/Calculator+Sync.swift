import CopyTradeCore
import CopyTradeProto
import ModuleRuntime
import Sync

extension Calculator {
    /// `calc sync`: one copier's share of a trader's margin adjustment (SPEC §5). Both sides are
    /// isolated and the trader eligible here: the calculator checks the arithmetic and timing rules.
    public func sync(_ input: SyncInput) async throws -> CalcOutput {
        try await naming(Self.syncFields, figure: "copierDelta") { try await syncUnnamed(input) }
    }

    func syncUnnamed(_ input: SyncInput) async throws -> CalcOutput {
        var signal = Copytrade_V1_MarginSignal()
        signal.signalID = "calc"
        signal.traderID = "trader"
        signal.traderMarginBeforeE8 = input.traderMarginBefore.e8
        signal.deltaE8 = input.delta.e8
        signal.occurredMs = input.occurred
        signal.receivedMs = input.received
        signal.traderMarginMode = .isolated
        signal.traderEligible = true
        var copier = Copytrade_V1_CopierMargin()
        copier.copierID = "copier"
        copier.marginE8 = input.copierMargin.e8
        copier.availableE8 = input.available.e8
        copier.maxReducibleE8 = (input.maxReducible ?? input.copierMargin).e8
        copier.establishedMs = input.established
        copier.marginMode = .isolated
        var r = Copytrade_V1_SyncRequest()
        r.signal = signal
        r.copier = copier
        let d = try await sync { try await $0.decide(r) }
        var out = CalcOutput()
        let outcome = d.outcome.name
        out.add("outcome", outcome)
        let applied = d.outcome == .applied || d.outcome == .capped
        out.add("skipped", !applied)
        if applied {
            out.add("copierDelta", Decimal8(e8: d.copierDeltaE8))
            out.add("copierMarginAfter", try input.copierMargin + Decimal8(e8: d.copierDeltaE8))
        } else {
            out.add("reason", outcome)
        }
        if !d.reason.isEmpty { out.add("reasonText", d.reason) }
        return out
    }
}
