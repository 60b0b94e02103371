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
        let s = metrics.counting(s, queueDepth: queue.took())
        let pipelineFailed = await pipeline.failed != nil
        if journalFailure != nil || pipelineFailed {
            s.reply(.failure(unavailable))
            return
        }
        if let deadline = s.deadline, ContinuousClock.now >= deadline {
            s.reply(.failure(DomainError(.deadlineExceeded, field: "", "the call's deadline passed before the input was decided; nothing was applied")))
            return
        }
        var key = s.key
        if key.isEmpty { key = IdempotencyKey.generated() }
        do {
            if let duplicate = try await replay(key: key, input: s.input) {
                s.reply(.success(duplicate))
                return
            }
            var input = s.input
            if input.receivedMs == 0 { input.receivedMs = clock.nowMs() }
            let decideStarted = ContinuousClock.now
            let changes = try await engine.decide(input, key: key, state: state)
            metrics.decided(took: decideStarted.duration(to: .now))
            let sequence = nextSequence
            nextSequence += 1
            state.apply(changes)
            logger.debug("input applied", metadata: ["key": "\(key)", "sequence": "\(sequence)", "kind": "\(input.kindName)"])
            inFlightKeys[key] = sequence
            journaledKeys.insert(key)
            let outcome = OutcomeWire.wire(changes)
            var result = Copytrade_V1_InputResult()
            result.sequence = sequence
            result.events = changes.events
            result.createdID = changes.createdID
            let entry = NewJournalEntry(key: key, kind: input.kindName, receivedMs: input.receivedMs,
                                        input: try input.serializedBytes(), outcome: try outcome.serializedBytes(),
                                        firstEvent: changes.events.first?.sequence)
            let reply = s.reply
            let answer = result
            await pipeline.enqueue(.init(entry: entry, expectedSequence: sequence) { r in
                switch r {
                case .success: reply(.success(answer))
                case .failure(let e):
                    reply(.failure(DomainError(.unavailable, field: "",
                                               "journal write failed (\(e)); the input was not acknowledged; restart the coordinator to recover")))
                }
            })
            afterApply(changes, events: changes.events)
            sinceSnapshot += 1
            if sinceSnapshot >= snapshotEvery {
                await pipeline.flush()
                await writeSnapshot()
            }
        } catch {
            logger.debug("input refused", metadata: ["key": "\(key)", "kind": "\(s.input.kindName)", "error": "\(error)"])
            s.reply(.failure(error))
        }
    }

    /// The recorded answer for a key already journaled (or in flight: then after it commits),
    /// when `input` is the same request as the one journaled under it. A key reused for a
    /// different request is refused (FAILED_PRECONDITION naming the key), never answered with
    /// the other request's outcome.
    func replay(key: String, input: Copytrade_V1_Input) async throws -> Copytrade_V1_InputResult? {
        if inFlightKeys[key] != nil { await pipeline.flush() } else if !journaledKeys.contains(key) { return nil }
        guard let entry = try await store.entry(forKey: key) else { return nil }
        let original = try Copytrade_V1_Input(serializedBytes: entry.input)
        guard IdempotencyKey.sameRequest(original, input) else {
            throw DomainError(.failedPrecondition, field: "key",
                              "\"\(key)\" was already used for a different request (\(original.kindName) at sequence \(entry.sequence)); use a new key")
        }
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
        case .setRollout: "rollout.set"
        case nil: "empty"
        }
    }
}
