/// Tracks the calls in flight on one server connection and decides when it may close.
///
/// Pure value type: the channel handler feeds it events and performs the returned actions,
/// so the drain rules are testable without a socket. `Handle` is whatever the handler needs
/// to cancel a call (a `Task` in production, anything in tests).
struct ServerConnectionStateMachine<Handle> {
    enum State: Equatable {
        case serving
        /// Graceful shutdown asked: finish what is in flight, accept nothing new.
        case draining
        case closed
    }

    enum RequestAction: Equatable {
        /// Run the call (then report ``callStarted(streamID:handle:)``).
        case start
        /// Answer this status on the stream id instead of running anything.
        case reject(TTRPCError)
        /// The connection is gone; drop the request.
        case drop
    }

    enum CloseAction: Equatable {
        case none
        /// No call left and draining: close the channel.
        case close
    }

    private(set) var state: State = .serving
    private(set) var inFlight: [UInt32: Handle] = [:]
    /// Calls this connection may have in flight; one more is refused at once rather than
    /// queued (``TTRPCServerConfiguration/maxInFlightRequestsPerConnection``).
    let maxInFlight: Int

    init(maxInFlight: Int = .max) {
        self.maxInFlight = maxInFlight
    }

    /// A decoded request arrived. The odd-id rule and its message are Go's (server.go).
    func receivedRequest(streamID: UInt32) -> RequestAction {
        switch state {
        case .closed:
            return .drop
        case .draining:
            return .reject(TTRPCError(code: .unavailable, message: "ttrpc: server shutting down"))
        case .serving:
            if streamID % 2 != 1 {
                return .reject(
                    TTRPCError(code: .invalidArgument, message: "StreamID must be odd for client initiated streams"))
            }
            if inFlight[streamID] != nil {
                return .reject(TTRPCError(code: .invalidArgument, message: "StreamID \(streamID) is already active"))
            }
            if inFlight.count >= maxInFlight {
                // Queueing would let one pipelining peer delay every other client (issue 10:
                // 200 connections x 100 requests pushed a `status` to 5 s); say so at once.
                return .reject(TTRPCError(
                    code: .resourceExhausted,
                    message: "ttrpc: \(inFlight.count) requests already in flight on this connection (maxInFlightRequestsPerConnection \(maxInFlight))"))
            }
            return .start
        }
    }

    mutating func callStarted(streamID: UInt32, handle: Handle) {
        inFlight[streamID] = handle
    }

    /// The final response of a call has been written.
    mutating func callFinished(streamID: UInt32) -> CloseAction {
        inFlight[streamID] = nil
        return state == .draining && inFlight.isEmpty ? .close : .none
    }

    /// Graceful shutdown: close now if idle, else once the last call finishes.
    mutating func beginDrain() -> CloseAction {
        guard state == .serving else { return .none }
        state = .draining
        return inFlight.isEmpty ? .close : .none
    }

    /// The channel closed; returns the calls to cancel.
    mutating func channelClosed() -> [Handle] {
        state = .closed
        let handles = Array(inFlight.values)
        inFlight = [:]
        return handles
    }
}
