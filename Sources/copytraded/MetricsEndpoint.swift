import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `GET /metrics` over HTTP/1.1 in the Prometheus text format, for `--metrics-listen`. A
/// `Service` in copytraded's group: bound before the group starts (so a taken port refuses to
/// start, naming the option), stopped on graceful shutdown by closing the listener; a scrape in
/// progress finishes. One request per connection (`Connection: close`), and a connection that
/// sends no complete request within ``requestTimeout`` is closed, so no client can hold shutdown.
final class MetricsEndpoint: Service, Sendable {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private let listener: NIOAsyncChannel<Connection, Never>
    /// The exposition, produced afresh for each scrape.
    private let scrape: @Sendable () -> [UInt8]
    private let logger: Logger
    static let requestTimeout: Duration = .seconds(10)

    /// The address actually bound.
    var localAddress: SocketAddress? { listener.channel.localAddress }

    private init(listener: NIOAsyncChannel<Connection, Never>, scrape: @escaping @Sendable () -> [UInt8], logger: Logger) {
        self.listener = listener
        self.scrape = scrape
        self.logger = logger
    }

    /// Binds `address`; serving starts with ``run()``.
    static func bind(_ address: ListenAddress, scrape: @escaping @Sendable () -> [UInt8], logger: Logger) async throws -> MetricsEndpoint {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        return MetricsEndpoint(listener: listener, scrape: scrape, logger: logger)
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await listener.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: { [listener] in
            listener.channel.close(promise: nil)
        }
    }

    /// Answers one request, then closes; gives up on a client silent past the timeout.
    private func serve(_ connection: Connection) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await self.answer(connection) }
            group.addTask { try? await Task.sleep(for: Self.requestTimeout) }
            await group.next()
            group.cancelAll()
            connection.channel.close(promise: nil)
        }
    }

    private func answer(_ connection: Connection) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            for try await part in inbound {
                switch part {
                case .head(let h): head = h
                case .body: continue
                case .end:
                    guard let head else { return }
                    let (status, body, type) = response(to: head)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: type)
                    headers.add(name: "Content-Length", value: "\(body.count)")
                    headers.add(name: "Connection", value: "close")
                    try await outbound.write(.head(HTTPResponseHead(version: head.version, status: status, headers: headers)))
                    if head.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    return
                }
            }
        }
    }

    /// `GET /metrics` (query ignored): the exposition; another path 404, another method 405.
    func response(to head: HTTPRequestHead) -> (HTTPResponseStatus, [UInt8], String) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else {
            return (.notFound, Array("not found: the metrics are at /metrics\n".utf8), "text/plain; charset=utf-8")
        }
        guard head.method == .GET || head.method == .HEAD else {
            return (.methodNotAllowed, Array("only GET /metrics\n".utf8), "text/plain; charset=utf-8")
        }
        return (.ok, scrape(), "text/plain; version=0.0.4; charset=utf-8")
    }
}
