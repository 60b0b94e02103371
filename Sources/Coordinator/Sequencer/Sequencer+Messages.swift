import CopyTradeCore
import CopyTradeProto
import Journal
import Synchronization

extension Sequencer {
    /// Applies messages from other shards as inputs of this shard, queued in the order given
    /// (a source's order), and returns each one's result once journaled, in that order. Each
    /// input's key is the message's position (`msg:SOURCE:SEQUENCE:INDEX`), so a message
    /// offered twice (after a restart, say) is answered as a duplicate, never applied again;
    /// its journal entry records the receiver's cursor in the same transaction
    /// (docs/sharding.md, "Messages").
    public func applyMessages(_ messages: [IncomingShardMessage]) async -> [Result<Copytrade_V1_InputResult, any Error>] {
        guard !messages.isEmpty else { return [] }
        let results = Mutex([Result<Copytrade_V1_InputResult, any Error>?](repeating: nil, count: messages.count))
        let remaining = Atomic<Int>(messages.count)
        // One source's messages apply in its order: none after one that was not applied.
        let chain = InputChain()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for (i, m) in messages.enumerated() {
                var input = Copytrade_V1_Input()
                do {
                    var message = try Copytrade_V1_ShardMessage(serializedBytes: m.payload)
                    message.sourceShard = Int32(m.source)
                    message.sourceSequence = m.sequence
                    message.index = Int32(m.index)
                    input.shardMessage = message
                } catch {
                    // An undecodable payload is still applied (as a refusal the history shows),
                    // so the source's stream is not stuck behind it.
                    var message = Copytrade_V1_ShardMessage()
                    message.sourceShard = Int32(m.source)
                    message.sourceSequence = m.sequence
                    message.index = Int32(m.index)
                    input.shardMessage = message
                }
                let key = IdempotencyKey.message(source: m.source, sequence: m.sequence, index: m.index)
                var submission = InputQueue.Submission(input: input, key: key, reply: { r in
                    results.withLock { $0[i] = r }
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.resume() }
                })
                submission.chain = chain
                queue.push(submission)
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}
