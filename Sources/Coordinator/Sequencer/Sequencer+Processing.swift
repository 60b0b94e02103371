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
        var s = metrics.counting(s, queueDepth: queue.took())
        if let chain = s.chain {
            guard !chain.isBroken else {
                s.reply(.failure(DomainError(.unavailable, field: "", "an earlier input of the same ordered run was not applied; offered again later")))
                return
            }
            let reply = s.reply
            s.reply = { r in
                if case .failure = r { chain.breakChain() }
                reply(r)
            }
        }
        // A journal failure reaches the core through the pipeline's failure callback
        // (``journalFailed(_:)``); no hop to the pipeline per input.
        let clientKey = !s.key.isEmpty && !IdempotencyKey.isInternal(s.key)
        let key = s.key.isEmpty ? IdempotencyKey.generated() : s.key
        let deadlinePassed = s.deadline.map { ContinuousClock.now >= $0 } ?? false
        do {
            switch core.admit(key: key, clientKey: clientKey, deadlinePassed: deadlinePassed) {
            case .refuse(let error):
                s.reply(.failure(error))
                return
            case .replayAfterCommit:
                await pipeline.flush()
                if let duplicate = try await replay(key: key, input: s.input) { s.reply(.success(duplicate)); return }
            case .replay, .lookUpKey:
                if let duplicate = try await replay(key: key, input: s.input) { s.reply(.success(duplicate)); return }
            case .decide:
                break
            }
            try await decide(s, key: key)
        } catch {
            logger.debug("input refused", metadata: ["key": "\(key)", "kind": "\(s.input.kindName)", "error": "\(error)"])
            s.reply(.failure(error))
        }
    }

    /// Decides a new input, applies it, and queues it for the journal; its caller is answered
    /// once the journal has committed it.
    func decide(_ s: InputQueue.Submission, key: String) async throws {
        var input = s.input
        if input.receivedMs == 0 { input.receivedMs = clock.nowMs() }
        let decideStarted = ContinuousClock.now
        let changes = try await engine.decide(input, key: key, state: state)
        metrics.decided(took: decideStarted.duration(to: .now))
        var entry = NewJournalEntry(key: key, kind: input.kindName, receivedMs: input.receivedMs,
                                    input: try input.serializedBytes(), outcome: [],
                                    firstEvent: changes.events.first?.sequence)
        try Self.attachShardEffects(changes, input: input, to: &entry)
        if changes.isLarge {
            // A fan-out or a sync to many copiers: its outcome is encoded on another core while
            // this one applies it (docs/journal.md, "Large outcomes and snapshots"). The next
            // input waits (the loop is sequential) and a snapshot runs only between inputs.
            // Encoding a protobuf message does not fail in practice; if it ever did after the
            // apply, the state would hold an input the journal does not, so the coordinator stops
            // serving as for a failed journal write, and a restart recovers what was acknowledged.
            let encoding = Task.detached { try OutcomeWire.encoded(changes) }
            state.apply(changes)
            do {
                entry.outcome = try await encoding.value
            } catch {
                journalFailed(error)
                throw DomainError(.unavailable, field: "",
                                  "encoding the outcome failed (\(error)) after it was applied; the input was not acknowledged; restart the coordinator to recover")
            }
        } else {
            entry.outcome = try OutcomeWire.encoded(changes)
            state.apply(changes)
        }
        let sequence = core.decided(key: key, outcomeBytes: entry.outcome.count, now: clock.nowMs())
        logger.debug("input applied", metadata: ["key": "\(key)", "sequence": "\(sequence)", "kind": "\(input.kindName)"])
        var result = Copytrade_V1_InputResult()
        result.sequence = sequence
        result.events = changes.events
        result.createdID = changes.createdID
        let reply = s.reply
        let answer = result
        await pipeline.enqueue(.init(entry: entry, expectedSequence: sequence) { r in
            switch r {
            case .success: reply(.success(answer))
            case .failure(let e as DomainError) where e.code == .unavailable:
                reply(.failure(e))
            case .failure(let e):
                reply(.failure(DomainError(.unavailable, field: "",
                                           "journal write failed (\(e)); the input was not acknowledged; restart the coordinator to recover")))
            }
        })
        afterApply(changes, events: changes.events)
    }

    /// What an input means to other shards, journaled in the same transaction as it
    /// (docs/sharding.md): the messages it sends, the accounts it creates, and, for an applied
    /// message, the receiver's new cursor.
    static func attachShardEffects(_ changes: StateChanges, input: Copytrade_V1_Input, to entry: inout NewJournalEntry) throws {
        for m in changes.messages {
            let payload: [UInt8] = try m.message.serializedBytes()
            for target in m.targets { entry.messages.append(OutgoingShardMessage(target: target, payload: payload)) }
        }
        entry.directory = changes.directory.map { AccountDirectoryEntry(account: $0.account, role: $0.role.rawValue) }
        if case .shardMessage(let m) = input.kind {
            entry.consumed = ShardMessageCursor(source: Int(m.sourceShard), sequence: m.sourceSequence, index: Int(m.index))
        }
    }

    /// The recorded answer for a key already journaled, when `input` is the same request as the
    /// one journaled under it; nil when the journal does not hold the key. A key reused for a
    /// different request is refused (FAILED_PRECONDITION naming the key), never answered with
    /// the other request's outcome.
    func replay(key: String, input: Copytrade_V1_Input) async throws -> Copytrade_V1_InputResult? {
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

    /// After a commit: the core forgets in-flight keys (and may ask for a snapshot); watchers
    /// are told.
    func committed(through sequence: UInt64) {
        perform(core.committed(through: sequence, now: clock.nowMs()))
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
        case .shardMessage: "shard.message"
        case .setRelation: "relation.set"
        case .setAccount: "account.set"
        case .settle: "settle"
        case nil: "empty"
        }
    }
}
