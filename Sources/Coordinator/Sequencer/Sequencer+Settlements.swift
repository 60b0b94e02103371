import CopyTradeCore
import CopyTradeProto

/// The coordinator's own profit-share settlements (docs/protections.md): at each schedule time
/// (Monday 00:00 UTC by default) one `settle` input, keyed `settle-schedule:DUE_MS`, runs once.
/// The time comes from the engine clock, so a simulation on a driven clock replays them
/// (``releaseDueSignals()`` submits a due one); a real clock arms a timer.
extension Sequencer {
    /// The next schedule time after now; nil when the schedule is off.
    public var nextSettlementMs: Millis? { engine.config.settlementSchedule.next(after: clock.nowMs()) }

    /// Submits the latest schedule time that has passed, if it is after the last one run and
    /// some relation existed before it (a schedule time before any relation settles nothing,
    /// so a new coordinator does not start with one). A time missed while the coordinator was
    /// down runs once when it starts. Each time is looked at once: the scan of the relations
    /// is not repeated on every step of a driven clock (nothing is lost by a skipped time, the
    /// next settlement pays what is due).
    func submitDueSettlement() {
        let schedule = engine.config.settlementSchedule
        guard let due = schedule.latest(atOrBefore: clock.nowMs()), due > state.settledScheduleMs, due > consideredSettlementMs
        else { return }
        consideredSettlementMs = due
        guard state.relations.values.contains(where: { $0.establishedMs < due }) else { return }
        var r = Copytrade_V1_SettleRequest()
        r.scheduled = true
        r.dueMs = due
        var input = Copytrade_V1_Input()
        input.settle = r
        pushInternal(input, key: IdempotencyKey.schedulePrefix + "\(due)", failure: "scheduled settlement failed",
                     metadata: ["due_ms": "\(due)"])
    }

    /// Sleeps until the next schedule time, submits it, and arms again (a real clock only).
    func armSettlement() {
        guard clock.drivesTimers, let next = nextSettlementMs else { return }
        settlementTimer?.cancel()
        let wait = max(0, next - clock.nowMs())
        settlementTimer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(wait))
            guard !Task.isCancelled else { return }
            await self?.settlementDue()
        }
    }

    func settlementDue() {
        submitDueSettlement()
        armSettlement()
    }
}
