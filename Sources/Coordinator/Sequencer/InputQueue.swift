import CopyTradeCore
import CopyTradeProto
import Synchronization

/// The sequencer's inbox, consumed by one loop in arrival order: inputs, and barriers — work
/// that must run between two inputs (a module swap).
final class InputQueue: Sendable {
    struct Submission: Sendable {
        let input: Copytrade_V1_Input
        let key: String
        /// The caller's deadline: past it, the input is refused rather than decided.
        var deadline: ContinuousClock.Instant? = nil
        /// Called once with the durable outcome or the refusal.
        var reply: @Sendable (Result<Copytrade_V1_InputResult, any Error>) -> Void

        init(input: Copytrade_V1_Input, key: String, deadline: ContinuousClock.Instant? = nil,
             reply: @escaping @Sendable (Result<Copytrade_V1_InputResult, any Error>) -> Void) {
            self.input = input
            self.key = key
            self.deadline = deadline
            self.reply = reply
        }
    }

    enum Item: Sendable {
        case input(Submission)
        case barrier(@Sendable () async -> Void)
    }

    let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    /// Inputs pushed and not yet taken by the loop (`copytrade_input_queue_depth`).
    private let depth = Atomic<Int>(0)

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    func push(_ s: Submission) {
        depth.add(1, ordering: .relaxed)
        if case .terminated = continuation.yield(.input(s)) {
            depth.subtract(1, ordering: .relaxed)
            s.reply(.failure(DomainErrorShutdown.error))
        }
    }

    /// Runs `body` after every input queued before it and before any queued after it.
    func barrier(_ body: @escaping @Sendable () async -> Void) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if case .terminated = continuation.yield(.barrier({ await body(); c.resume() })) { c.resume() }
        }
    }

    func finish() { continuation.finish() }

    /// The loop took one input: the number still waiting behind it.
    func took() -> Int { depth.subtract(1, ordering: .relaxed).newValue }
}

enum DomainErrorShutdown {
    static let error = DomainError(.failedPrecondition, field: "", "the coordinator is shutting down")
}
