/// The client's per-connection bookkeeping: stream id allocation and pending calls.
///
/// A value type driven by ``ClientConnectionHandler`` on the event loop; it returns what to
/// do so stream-id and completion rules can be tested without a socket.
struct ClientCallTable<Responder> {
    /// Ids are odd and increase by two, as PROTOCOL.md requires of client-initiated streams.
    private(set) var nextStreamID: UInt32 = 1
    private(set) var pending: [UInt32: Responder] = [:]
    private(set) var isClosed = false

    enum StartAction {
        case send(streamID: UInt32)
        case fail(TTRPCError)
    }

    /// Allocates the next id and records the responder.
    mutating func start(_ responder: Responder) -> StartAction {
        if isClosed {
            return .fail(TTRPCError(code: .unavailable, message: "ttrpc: closed"))
        }
        let id = nextStreamID
        guard id < UInt32.max - 1 else {
            return .fail(TTRPCError(code: .resourceExhausted, message: "ttrpc: stream ids exhausted on this connection"))
        }
        nextStreamID = id + 2
        pending[id] = responder
        return .send(streamID: id)
    }

    /// The responder for an id, left in place (streams receive many frames).
    func responder(for streamID: UInt32) -> Responder? { pending[streamID] }

    /// Changes a pending call in place (e.g. to attach its deadline timer).
    mutating func update(_ streamID: UInt32, _ body: (inout Responder) -> Void) {
        guard var responder = pending[streamID] else { return }
        body(&responder)
        pending[streamID] = responder
    }

    /// Removes and returns the responder: the call is over (response, deadline, write failure).
    mutating func finish(_ streamID: UInt32) -> Responder? {
        pending.removeValue(forKey: streamID)
    }

    /// The connection is gone: every pending call must fail.
    mutating func close() -> [Responder] {
        isClosed = true
        let all = Array(pending.values)
        pending = [:]
        return all
    }
}
