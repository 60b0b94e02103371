import CopyTradeCore
import CopyTradeProto
import Sync

extension Sequencer {
    /// Puts newly held trader signals into the reorder window and submits a release for any
    /// trader whose window has expired; re-arms the timer for the next deadline.
    func feedReorderWindow(_ changes: StateChanges) {
        metrics.heldSignals.record(state.heldSignals.count)
        guard !changes.heldSignals.isEmpty else { return }
        var released: [MarginSyncSignal] = []
        for w in changes.heldSignals {
            guard let s = decodedSignal(w) else { continue }
            released += reorder.receive(s, now: w.receivedMs)
        }
        submitReleases(released)
        scheduleSyncTimer()
    }

    /// Held signals survive a restart in the state; put them back into a fresh window.
    func rebuildReorderWindow() {
        metrics.heldSignals.record(state.heldSignals.count)
        let held = state.heldSignals.values.sorted { ($0.receivedMs, $0.signalID) < ($1.receivedMs, $1.signalID) }
        var released: [MarginSyncSignal] = []
        for w in held {
            guard let s = decodedSignal(w) else { continue }
            released += reorder.receive(s, now: w.receivedMs)
        }
        released += reorder.advance(to: clock.nowMs())
        submitReleases(released)
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

    /// One internal `SyncRelease` input per trader, listing its signals in release order. Its
    /// key is derived from the signal ids, so a release can never be applied twice.
    func submitReleases(_ released: [MarginSyncSignal]) {
        guard !released.isEmpty else { return }
        var order: [String] = []
        var byTrader: [String: [String]] = [:]
        for s in released {
            if byTrader[s.trader.rawValue] == nil { order.append(s.trader.rawValue) }
            byTrader[s.trader.rawValue, default: []].append(s.id)
        }
        for trader in order {
            let ids = byTrader[trader]!
            var r = Copytrade_V1_SyncRelease()
            r.traderID = trader
            r.dueMs = clock.nowMs()
            r.signalIds = ids
            var input = Copytrade_V1_Input()
            input.syncRelease = r
            let key = "sync-release:" + ids.joined(separator: ",")
            let logger = self.logger
            // Queued now, so a barrier after this call runs after the release.
            queue.push(InputQueue.Submission(input: input, key: key, reply: { r in
                if case .failure(let error) = r {
                    logger.error("sync release failed", metadata: ["trader": "\(trader)", "error": "\(error)"])
                }
            }))
        }
    }

    func scheduleSyncTimer() {
        syncTimer?.cancel()
        guard clock.drivesTimers, let deadline = reorder.nextDeadline else { return }
        let wait = max(0, deadline - clock.nowMs())
        syncTimer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(wait))
            guard !Task.isCancelled else { return }
            await self?.syncTimerFired()
        }
    }

    func syncTimerFired() {
        submitReleases(reorder.advance(to: clock.nowMs()))
        scheduleSyncTimer()
    }
}

extension Sequencer {
    /// For a driven clock (simulations): releases every signal whose window has expired at the
    /// clock's current time, and returns once those releases are applied and journaled.
    public func releaseDueSignals() async {
        submitReleases(reorder.advance(to: clock.nowMs()))
        await queue.barrier {}
        await pipeline.flush()
    }

    /// Returns once every input queued so far is applied and journaled.
    public func settle() async {
        await queue.barrier {}
        await pipeline.flush()
    }
}
