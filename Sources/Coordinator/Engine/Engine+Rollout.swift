import CopyTradeCore
import CopyTradeProto
import Sync

extension Engine {
    /// The rollout phases in force: the last ones set at run time, else the configuration's
    /// `engine.rollout` (default: everyone from the epoch). A signal's eligibility is decided
    /// with them at its occurrence time when the signal is received (SPEC §5), and travels
    /// with the held signal, so a later change never re-decides a signal already received.
    func rolloutPhases(_ tx: EngineTransaction) -> [Copytrade_V1_RolloutPhase] {
        tx.base.rollout?.phases ?? config.rollout
    }

    /// The phases in force as the sync module's ``RolloutPlan`` (validated as the module would:
    /// a refusal names `phases[i].field`).
    func rolloutPlan(_ tx: EngineTransaction) throws(DomainError) -> RolloutPlan {
        try RolloutPlan(phases: try rolloutPhases(tx).enumerated().map { i, p throws(DomainError) in try SyncWire.phase(p, index: i) })
    }

    /// `copyctl rollout set`: replaces the phases, after the same checks as the configuration's
    /// (a refusal names `phases[i].field` and changes nothing). Journaled like every input, so a
    /// restart keeps it, and a repeated key applies nothing.
    func setRollout(_ r: Copytrade_V1_SetRolloutRequest, _ tx: inout EngineTransaction) throws(DomainError) {
        try RolloutPhases.validate(r.phases)
        var setting = Copytrade_V1_RolloutSetting()
        setting.phases = r.phases
        setting.setMs = tx.nowMs
        setting.key = tx.inputKey
        tx.setRollout(setting)
        tx.broadcast(.rollout(setting))
        let names = r.phases.map { "\($0.name) from \(UTCTime.format($0.startsMs))" }
        tx.event(.rolloutSet, detail: r.phases.isEmpty ? "no phases: no trader is eligible for margin sync"
                                                        : "\(r.phases.count) phase\(r.phases.count == 1 ? "" : "s"): " + names.joined(separator: ", "))
    }
}
