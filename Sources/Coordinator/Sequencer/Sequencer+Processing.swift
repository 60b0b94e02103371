import CopyTradeCore
import CopyTradeProto
import Journal

extension Sequencer {
    /// The single loop: one input at a time, in arrival order.
    func run(_ q: InputQueue) async {
        for await item in q.stream {
            switch item {
            case .input(let s): await process(s)
            case .barrier(let body): await body()
            }
        }
    }

    func process(_ s: InputQueue.Submission) async {
        if let failure = await pipeline.failed {
            s.reply(.failure(DomainError(.internal, field: "", "the journal failed (\(failure)); restart the coordinator to recover")))
            return
        }
        var key = s.key
        if key.isEmpty {
            generatedKeys += 1
            key = "auto-\(startedMs)-\(generatedKeys)"
        }
        do {
            if let duplicate = try await replay(key: key) {
                s.reply(.success(duplicate))
                return
            }
            var input = s.input
            if input.receivedMs == 0 { input.receivedMs = clock.nowMs() }
            let changes = try await engine.decide(input, key: key, state: state)
            let sequence = nextSequence
            nextSequence += 1
            state.apply(changes)
            inFlightKeys[key] = sequence
            journaledKeys.insert(key)
            let outcome = OutcomeWire.wire(changes)
            var result = Copytrade_V1_InputResult()
            result.sequence = sequence
            result.events = changes.events
            result.createdID = changes.createdID
            let entry = NewJournalEntry(key: key, kind: input.kindName, receivedMs: input.receivedMs,
                                        input: try input.serializedBytes(), outcome: try outcome.serializedBytes())
            let reply = s.reply
            let answer = result
            await pipeline.enqueue(.init(entry: entry, expectedSequence: sequence) { r in
                switch r {
                case .success: reply(.success(answer))
                case .failure(let e): reply(.failure(DomainError(.internal, field: "", "journal write failed: \(e)")))
                }
            })
            afterApply(changes, events: changes.events)
            sinceSnapshot += 1
            if sinceSnapshot >= snapshotEvery {
                await pipeline.flush()
                try? await saveSnapshot()
            }
        } catch {
            s.reply(.failure(error))
        }
    }

    /// The recorded answer for a key already journaled (or in flight: then after it commits).
    func replay(key: String) async throws -> Copytrade_V1_InputResult? {
        if inFlightKeys[key] != nil { await pipeline.flush() } else if !journaledKeys.contains(key) { return nil }
        guard let entry = try await store.entry(forKey: key) else { return nil }
        let outcome = try Copytrade_V1_Outcome(serializedBytes: entry.outcome)
        var result = Copytrade_V1_InputResult()
        result.sequence = entry.sequence
        result.duplicate = true
        result.events = outcome.events
        result.createdID = outcome.createdID
        return result
    }

    /// After a commit: forget in-flight keys and tell watchers.
    func committed(through sequence: UInt64) {
        inFlightKeys = inFlightKeys.filter { $0.value > sequence }
        publishCommitted(through: sequence)
    }
}

extension Copytrade_V1_Input {
    /// The journal's `kind` column: what sort of input this is.
    var kindName: String {
        switch kind {
        case .createAccount: "account.create"
        case .deposit: "deposit"
        case .withdraw: "withdraw"
        case .follow: "follow"
        case .unfollow: "unfollow"
        case .pause: "pause"
        case .resume: "resume"
        case .open: "open"
        case .close: "close"
        case .adjustMargin: "margin.adjust"
        case .placeOrder: "order.place"
        case .cancelOrder: "order.cancel"
        case .setMark: "mark"
        case .setAutoMargin: "automargin"
        case .syncRelease: "sync.release"
        case nil: "empty"
        }
    }
}
