import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import TTRPC

/// A socket that writes arbitrary bytes and reads decoded frames, to poke the server with
/// input our client would never produce.
final class RawConnection: Sendable {
    let channel: any Channel
    let events: AsyncStream<FrameEvent>

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = FrameEvent
        let continuation: AsyncStream<FrameEvent>.Continuation
        init(_ continuation: AsyncStream<FrameEvent>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(unwrapInboundIn(data))
        }
        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            continuation.finish()
            context.close(promise: nil)
        }
    }

    init(address: TTRPCAddress) async throws {
        let (events, continuation) = AsyncStream<FrameEvent>.makeStream()
        self.events = events
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(FrameDecoder()), Collector(continuation),
                    ])
                }
            }
        switch address {
        case .unix(let path): channel = try await bootstrap.connect(unixDomainSocketPath: path).get()
        case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
        }
    }

    func send(_ buffer: ByteBuffer) async throws {
        try await channel.writeAndFlush(buffer)
    }

    func send(_ bytes: [UInt8]) async throws {
        try await send(ByteBuffer(bytes: bytes))
    }

    /// The next frame-level event, or nil once the server closed the connection. Fails the
    /// test instead of hanging if nothing arrives in time.
    func next(within timeout: Duration = .seconds(10)) async throws -> FrameEvent? {
        let events = self.events
        return try await withThrowingTaskGroup(of: FrameEvent?.self) { group in
            group.addTask {
                var iterator = events.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TTRPCError(code: .deadlineExceeded, message: "raw connection: nothing within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// The next decoded response (skipping nothing: any other event fails the test).
    func nextResponse() async throws -> (streamID: UInt32, response: Ttrpc_Response)? {
        guard let event = try await next() else { return nil }
        guard case .frame(let frame) = event, frame.type == .response else {
            Issue.record("expected a response frame, got \(event)")
            return nil
        }
        return (frame.streamID, try Ttrpc_Response(serializedBytes: Data(frame.payload.readableBytesView)))
    }

    func close() async {
        try? await channel.close()
    }
}
