import CopyTradeProto

extension CoordinatorMetrics {
    /// `s` with a reply that counts its outcome before answering: a duplicate, an acceptance
    /// (and what its committed events did: liquidations, auto-margin additions) or a refusal by
    /// status code. Every way out of the sequencer answers through the reply exactly once, so
    /// counting there counts each input once, whatever path it took. Also records the queue
    /// depth the loop saw when it took `s`.
    func counting(_ s: InputQueue.Submission, queueDepth: Int) -> InputQueue.Submission {
        self.queueDepth.record(queueDepth)
        let counters = inputs(s.input.kindName)
        let reply = s.reply
        var counted = s
        counted.reply = { [self] result in
            switch result {
            case .success(let r) where r.duplicate:
                counters.duplicate.increment()
            case .success(let r):
                counters.accepted.increment()
                countCommitted(eventKinds: r.events.lazy.map(\.kind))
            case .failure(let error):
                counters.refuse(error)
            }
            reply(result)
        }
        return counted
    }
}
