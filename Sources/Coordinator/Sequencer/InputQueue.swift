import CopyTradeProto

/// The sequencer's inbox: submissions in arrival order, consumed by one loop.
final class InputQueue: Sendable {
    struct Submission: Sendable {
        let input: Copytrade_V1_Input
        let key: String
        let reply: CheckedContinuation<Copytrade_V1_InputResult, any Error>
    }

    let stream: AsyncStream<Submission>
    private let continuation: AsyncStream<Submission>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Submission.self)
    }

    func push(_ s: Submission) {
        if case .terminated = continuation.yield(s) {
            s.reply.resume(throwing: DomainErrorShutdown.error)
        }
    }

    func finish() { continuation.finish() }
}

import CopyTradeCore

enum DomainErrorShutdown {
    static let error = DomainError(.failedPrecondition, field: "", "the coordinator is shutting down")
}
