import CopyTradeCore
import CopyTradeProto

extension Sequencer {
    /// `copyctl rollout show`: the phases in force and where they come from.
    public func rolloutView() -> Copytrade_V1_RolloutView {
        var v = Copytrade_V1_RolloutView()
        if let set = state.rollout {
            v.phases = set.phases
            v.source = "set"
            v.setMs = set.setMs
            v.setKey = set.key
        } else {
            v.phases = engine.config.rollout
            v.source = "config"
        }
        v.nowMs = clock.nowMs()
        return v
    }

    /// Says at start when phases set at run time replace different ones in the configuration,
    /// so an operator who edited `engine.rollout` learns why it does not apply.
    func noteRolloutOverride() {
        guard let set = state.rollout, set.phases != engine.config.rollout else { return }
        logger.notice("the rollout phases set at run time replace the configuration's engine.rollout",
                      metadata: ["key": "\(set.key)", "setAt": "\(UTCTime.format(set.setMs))", "phases": "\(set.phases.count)"])
    }
}
