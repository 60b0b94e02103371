import CopyTradeCore
import CopyTradeProto
import Logging
import Sync

extension Sequencer {
    /// Puts newly held trader signals into the reorder window (the core's) and submits a
    /// release for any trader whose window has expired; the core re-arms the timer.
    func feedReorderWindow(_ changes: StateChanges) {
        metrics.heldSignals.record(state.heldSignals.count)
        guard !changes.heldSignals.isEmpty else { return }
        for w in changes.heldSignals {
            guard let s = decodedSignal(w) else { continue }
            perform(core.hold([s], now: w.receivedMs))
        }
    }

    /// Held signals survive a restart in the state; put them back into a fresh window.
    func rebuildReorderWindow() {
        metrics.heldSignals.record(state.heldSignals.count)
        let held = state.heldSignals.values.sorted { ($0.receivedMs, $0.signalID) < ($1.receivedMs, $1.signalID) }
        for w in held {
            guard let s = decodedSignal(w) else { continue }
            perform(core.hold([s], now: w.receivedMs))
        }
        perform(core.timerFired(now: clock.nowMs()))
    }

    /// A held signal as the reorder window takes it. One that cannot be decoded (a journal
    /// written by another version, a bug) is never released: logged at error and counted
    /// (`copytrade_held_signals_undecodable_total`) so an operator sees it, never skipped silently.
    func decodedSignal(_ w: Copytrade_V1_MarginSignal) -> MarginSyncSignal? {
        do {
            return try SyncWire.signal(w)
        } catch {
            metrics.undecodableSignals.increment()
            logger.error("held margin signal cannot be decoded; it will not be released",
                         metadata: ["signal": "\(w.signalID)", "trader": "\(w.traderID)", "error": "\(error)"])
            return nil
        }
    }

    /// One internal `SyncRelease` input for a trader, listing its signals in release order. Its
    /// key is derived from the signal ids (a namespace clients cannot write), so a release can
    /// never be applied twice.
    func submitRelease(trader: String, signalIDs ids: [String]) {
        var r = Copytrade_V1_SyncRelease()
        r.traderID = trader
        r.dueMs = clock.nowMs()
        r.signalIds = ids
        var input = Copytrade_V1_Input()
        input.syncRelease = r
        // Queued now, so a barrier after this call runs after the release.
        pushInternal(input, key: "sync-release:" + ids.joined(separator: ","), failure: "sync release failed",
                     metadata: ["trader": "\(trader)"])
    }

    /// Queues an input the coordinator makes itself (keyed in a reserved namespace); nobody
    /// waits for its answer, so a failure is logged at error with `metadata`.
    func pushInternal(_ input: Copytrade_V1_Input, key: String, failure: String, metadata: Logger.Metadata) {
        let logger = self.logger
        queue.push(InputQueue.Submission(input: input, key: key, reply: { r in
            if case .failure(let error) = r {
                logger.error("\(failure)", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            }
        }))
    }
}

extension Sequencer {
    /// For a driven clock (simulations): releases every signal whose window has expired at the
    /// clock's current time, and returns once those releases are applied and journaled.
    public func releaseDueSignals() async {
        perform(core.timerFired(now: clock.nowMs()))
        submitDueSettlement()
        await queue.barrier {}
        await pipeline.flush()
    }

    /// Returns once every input queued so far is applied and journaled, and a snapshot being
    /// written is written.
    public func settle() async {
        await queue.barrier {}
        await pipeline.flush()
        await snapshotWriting?.value
    }
}
