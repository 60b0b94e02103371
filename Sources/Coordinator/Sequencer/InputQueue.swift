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
        /// Inputs that must apply in order or not at all (one source's messages): once one of
        /// them is refused, the later ones are refused unapplied, to be offered again in order.
        var chain: InputChain? = nil

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

    /// Client inputs that may wait; past it a new one is refused RESOURCE_EXHAUSTED at once, so
    /// a flood cannot push every other client's wait (and the daemon's memory) without bound.
    let capacity: Int

    init(capacity: Int = .max) {
        self.capacity = capacity
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    /// Queues a client's input, or refuses it at once when `capacity` inputs already wait.
    func pushBounded(_ s: Submission) {
        let waiting = depth.load(ordering: .relaxed)
        guard waiting < capacity else {
            s.reply(.failure(DomainError(.resourceExhausted, field: "",
                                         "\(waiting) inputs are already waiting (the coordinator's queue holds \(capacity)); retry shortly")))
            return
        }
        push(s)
    }

    /// Queues an input whatever the queue holds (the coordinator's own: signal releases).
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

    /// Runs `body` between two inputs, without waiting for it (a snapshot the core asked for).
    func schedule(_ body: @escaping @Sendable () async -> Void) {
        _ = continuation.yield(.barrier(body))
    }

    func finish() { continuation.finish() }

    /// Inputs waiting for the loop.
    var waiting: Int { depth.load(ordering: .relaxed) }

    /// The loop took one input: the number still waiting behind it.
    func took() -> Int { depth.subtract(1, ordering: .relaxed).newValue }
}

enum DomainErrorShutdown {
    static let error = DomainError(.unavailable, field: "", "the coordinator is shutting down; retry against the next one")
}

/// A run of inputs that must apply in order (``InputQueue/Submission/chain``): broken by the
/// first refusal, after which the rest of the run is refused without being decided.
final class InputChain: Sendable {
    private let broken = Atomic<Bool>(false)
    var isBroken: Bool { broken.load(ordering: .acquiring) }
    func breakChain() { broken.store(true, ordering: .releasing) }
}
