import Foundation
import Testing
@testable import TTRPC

/// Lets a test hold a handler inside the server until it says so: no sleeps needed to
/// know a call is in flight.
final class Gate: Sendable {
    let entered: AsyncStream<Void>
    private let enteredContinuation: AsyncStream<Void>.Continuation
    private let released: AsyncStream<Void>
    private let releaseContinuation: AsyncStream<Void>.Continuation

    init() {
        (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        (released, releaseContinuation) = AsyncStream<Void>.makeStream()
    }

    /// Called by the handler: announce arrival, then wait for ``open()``.
    func pass() async {
        enteredContinuation.yield()
        for await _ in released { return }
    }

    /// Waits until a handler has entered.
    func waitForEntry() async {
        for await _ in entered { return }
    }

    func open() {
        releaseContinuation.finish()
    }
}

/// `test.v1.Probe`: a gated unary method and streaming methods for the integration tests.
func probeService(gate: Gate = Gate(), cancelled: AsyncStream<Void>.Continuation? = nil) -> ServiceDefinition {
    var service = ServiceDefinition(name: "test.v1.Probe")
    service.unary("Gated") { (request: Ttrpc_Interop_V1_Payload, _: CallContext) async throws -> Ttrpc_Interop_V1_Payload in
        await gate.pass()
        return request
    }
    // Sends N messages "0"..."N-1"; with "N:fail" it then throws ABORTED.
    service.serverStreaming("Count") {
        (request: Ttrpc_Interop_V1_Payload, stream: ServerStreamWriter<Ttrpc_Interop_V1_Payload>, _: CallContext) in
        let parts = request.text.split(separator: ":")
        let count = Int(parts.first ?? "") ?? 0
        for index in 0..<count {
            try await stream.send(payload("\(index)"))
        }
        if parts.count > 1 {
            throw TTRPCError(code: .aborted, message: "stopped after \(count)")
        }
    }
    service.unary("Peer") { (_: Ttrpc_Interop_V1_Payload, context: CallContext) async throws -> Ttrpc_Interop_V1_Payload in
        payload("uid=\(context.peer.credentials?.uid ?? 0) deadline=\(context.deadline != nil)")
    }
    // Waits "forever"; reports when the server cancels it.
    service.unary("Hang") { (request: Ttrpc_Interop_V1_Payload, _: CallContext) async throws -> Ttrpc_Interop_V1_Payload in
        do {
            try await Task.sleep(for: .seconds(60))
        } catch {
            cancelled?.yield()
            throw error
        }
        return request
    }
    return service
}
