import CopyTradeCore
import CopyTradeProto

/// The sequencer's inbox, consumed by one loop in arrival order: inputs, and barriers — work
/// that must run between two inputs (a module swap).
final class InputQueue: Sendable {
    struct Submission: Sendable {
        let input: Copytrade_V1_Input
        let key: String
        /// Called once with the durable outcome or the refusal.
        let reply: @Sendable (Result<Copytrade_V1_InputResult, any Error>) -> Void
    }

    enum Item: Sendable {
        case input(Submission)
        case barrier(@Sendable () async -> Void)
    }

    let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    func push(_ s: Submission) {
        if case .terminated = continuation.yield(.input(s)) {
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
}

enum DomainErrorShutdown {
    static let error = DomainError(.failedPrecondition, field: "", "the coordinator is shutting down")
}
