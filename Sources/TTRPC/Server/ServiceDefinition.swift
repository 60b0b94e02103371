import Foundation
import SwiftProtobuf

/// Sends the messages of a server-streaming call to the client as ttrpc data frames.
public struct ServerStreamWriter<Message: SwiftProtobuf.Message>: Sendable {
    let sink: @Sendable (Data) async throws -> Void

    /// Serialises and sends one message; returns once the frame is handed to the socket, so a
    /// slow client slows the producer instead of growing memory without bound.
    public func send(_ message: Message) async throws {
        let bytes: Data
        do {
            bytes = try message.serializedBytes()
        } catch {
            throw TTRPCError(code: .internal, message: "ttrpc: error marshaling payload: \(error)", cause: error)
        }
        guard bytes.count <= FrameHeader.maxPayloadLength else {
            // The client would drop the whole stream on an oversized frame; fail this send only.
            throw TTRPCError(
                code: .resourceExhausted,
                message: "message length \(bytes.count) exceed maximum message size of \(FrameHeader.maxPayloadLength)")
        }
        try await sink(bytes)
    }
}

/// The type-erased form of a method, as the server dispatches it.
enum MethodHandler: Sendable {
    case unary(@Sendable (Data, CallContext) async throws -> Data)
    case serverStreaming(@Sendable (Data, CallContext, @escaping @Sendable (Data) async throws -> Void) async throws -> Void)
    /// A unary call that enforces its own deadline: the router does not cancel it when the
    /// deadline passes, because past a point the handler has done something it must report.
    case committing(@Sendable (Data, CallContext) async throws -> Data)
}

/// A named ttrpc service and its methods, registered on a ``TTRPCServer``.
///
/// Methods are generic over swift-protobuf messages; decoding and encoding happen here so
/// handlers see typed values and a bad payload is answered `INVALID_ARGUMENT` before any
/// handler code runs.
public struct ServiceDefinition: Sendable {
    public let name: String
    private(set) var methods: [String: MethodHandler] = [:]

    public init(name: String) {
        self.name = name
    }

    /// The method names registered so far.
    public var methodNames: [String] { methods.keys.sorted() }

    /// Registers a unary method. A later registration with the same name replaces the earlier one.
    public mutating func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String,
        handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        methods[method] = .unary(Self.bytes(handler))
    }

    /// Registers a unary method that owns its deadline (``CallContext/deadline``): the handler
    /// refuses a call whose deadline has passed before it acts, and once it has acted it is
    /// always allowed to answer, so a caller is never told DEADLINE_EXCEEDED for work that was
    /// done (a journaled input, say).
    public mutating func committingUnary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String,
        handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) {
        methods[method] = .committing(Self.bytes(handler))
    }

    /// A typed unary handler as one on bytes: decode the request, encode the response.
    private static func bytes<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ handler: @escaping @Sendable (Request, CallContext) async throws -> Response
    ) -> @Sendable (Data, CallContext) async throws -> Data {
        { payload, context in
            let request = try decode(Request.self, from: payload)
            let response = try await handler(request, context)
            do {
                return try response.serializedBytes()
            } catch {
                throw TTRPCError(code: .internal, message: "ttrpc: error marshaling payload: \(error)", cause: error)
            }
        }
    }

    /// Registers a server-streaming method: one request, any number of messages back, then
    /// the final status when the handler returns or throws.
    public mutating func serverStreaming<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String,
        handler: @escaping @Sendable (Request, ServerStreamWriter<Response>, CallContext) async throws -> Void
    ) {
        methods[method] = .serverStreaming { payload, context, sink in
            let request = try Self.decode(Request.self, from: payload)
            try await handler(request, ServerStreamWriter(sink: sink), context)
        }
    }

    func method(named name: String) -> MethodHandler? { methods[name] }

    /// Registers a unary method on raw payloads that owns its deadline, as
    /// ``committingUnary(_:handler:)`` does: for a router that forwards payloads it need not
    /// understand whole (unknown fields pass through byte for byte).
    public mutating func rawCommittingUnary(_ method: String, handler: @escaping @Sendable (Data, CallContext) async throws -> Data) {
        methods[method] = .committing(handler)
    }

    /// Registers a server-streaming method on raw payloads.
    public mutating func rawServerStreaming(
        _ method: String,
        handler: @escaping @Sendable (Data, CallContext, @escaping @Sendable (Data) async throws -> Void) async throws -> Void
    ) {
        methods[method] = .serverStreaming(handler)
    }

    /// Calls a registered unary method in process, as the server would: a router serving some
    /// calls from a local service and forwarding the others gets the same answers either way.
    public func callUnary(_ method: String, payload: Data, context: CallContext) async throws -> Data {
        switch methods[method] {
        case .unary(let handler), .committing(let handler): return try await handler(payload, context)
        case .serverStreaming: throw TTRPCError(code: .unimplemented, message: "\(name)/\(method) is a streaming method")
        case nil: throw TTRPCError(code: .unimplemented, message: "\(name)/\(method) is not implemented")
        }
    }

    /// Calls a registered server-streaming method in process, each message to `sink`.
    public func callStreaming(_ method: String, payload: Data, context: CallContext,
                              sink: @escaping @Sendable (Data) async throws -> Void) async throws {
        guard case .serverStreaming(let handler) = methods[method] else {
            throw TTRPCError(code: .unimplemented, message: "\(name)/\(method) is not a streaming method here")
        }
        try await handler(payload, context, sink)
    }

    private static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from payload: Data) throws -> M {
        do {
            return try M(serializedBytes: payload)
        } catch {
            // Go answers INTERNAL here; the CopyTrade contract asks for INVALID_ARGUMENT, which is
            // what the caller actually did wrong.
            throw TTRPCError(
                code: .invalidArgument, message: "ttrpc: error unmarshalling payload: \(error)", cause: error)
        }
    }
}
