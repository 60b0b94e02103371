import CopyTradeCore
import CopyTradeProto
import Foundation
import Logging
import PostgresJournal
import SwiftProtobuf
import Synchronization
import TTRPC

/// The control service every member of a sharded cluster serves (docs/sharding.md,
/// "Routing"): an input goes to the shard that owns its account (``ShardRoute``), answered by
/// this member when it holds that shard and forwarded to the holder's registered address when
/// not; queries over every account fan out to all shards and merge. `copyctl` works unchanged
/// against any member.
///
/// A forwarded call carries the shard it is for (``shardKey``): the member receiving it answers
/// from that shard or refuses UNAVAILABLE (a takeover under way), and never forwards again, so
/// a stale address can cost a retry but never a loop.
final class ShardRouter: Sendable {
    static let shardKey = "copytrade-shard"
    let count: Int
    private let local = Mutex<[Int: ServiceDefinition]>([:])
    private let holders: [HolderConnection]
    let shards: @Sendable () async throws -> Copytrade_V1_ShardsResponse
    let modules: @Sendable () async -> Copytrade_V1_ListModulesResponse

    init(count: Int, catalog: ClusterCatalog, ownAddress: String, token: String?, logger: Logger,
         shards: @escaping @Sendable () async throws -> Copytrade_V1_ShardsResponse,
         modules: @escaping @Sendable () async -> Copytrade_V1_ListModulesResponse) {
        self.count = count
        self.holders = (0..<count).map {
            HolderConnection(catalog: catalog, shard: $0, ownAddress: ownAddress, token: token, logger: logger)
        }
        self.shards = shards
        self.modules = modules
    }

    /// Serves `shard` from this member from now on (its control service over its sequencer).
    func hold(_ shard: Int, control: ServiceDefinition) { local.withLock { $0[shard] = control } }
    func release(_ shard: Int) { _ = local.withLock { $0.removeValue(forKey: shard) } }
    var held: [Int] { local.withLock { $0.keys.sorted() } }

    func close() async { for h in holders { await h.close() } }

    /// The routing control service, built once.
    var service: ServiceDefinition { builtService.withLock { s in
        if let s { return s }
        let made = controlService()
        s = made
        return made
    } }
    private let builtService = Mutex<ServiceDefinition?>(nil)

    // MARK: Calling one shard

    /// The shard a forwarded call is for, checked; nil for a call from a client.
    func forwardedShard(_ context: CallContext) throws -> Int? {
        guard let text = context.metadata[Self.shardKey] else { return nil }
        guard let shard = Int(text), (0..<count).contains(shard) else {
            throw TTRPCError(code: .invalidArgument, message: "\(Self.shardKey) \"\(text)\" is not a shard of this cluster of \(count)")
        }
        return shard
    }

    func call(_ shard: Int, _ method: String, _ payload: Data, _ context: CallContext) async throws -> Data {
        if let service = local.withLock({ $0[shard] }) {
            return try await service.callUnary(method, payload: payload, context: context)
        }
        if try forwardedShard(context) != nil {
            throw TTRPCError(code: .unavailable, message: "this member does not hold shard \(shard) now (a takeover may be under way); retry")
        }
        return try await holders[shard].raw(method, payload, timeout: context.deadline.map { ContinuousClock.now.duration(to: $0) },
                                           shardKey: (Self.shardKey, "\(shard)"))
    }

    func call<R: SwiftProtobuf.Message>(_ shard: Int, _ method: String, _ payload: Data, _ context: CallContext,
                                        as: R.Type) async throws -> R {
        try R(serializedBytes: try await call(shard, method, payload, context))
    }

    /// Calls every shard (or, for a forwarded call, the one it is for) and returns the answers.
    func fanOut<R: SwiftProtobuf.Message>(_ method: String, _ payload: Data, _ context: CallContext,
                                          as: R.Type) async throws -> [R] {
        if let shard = try forwardedShard(context) { return [try await call(shard, method, payload, context, as: R.self)] }
        return try await withThrowingTaskGroup(of: (Int, R).self) { group in
            for shard in 0..<count { group.addTask { (shard, try await self.call(shard, method, payload, context, as: R.self)) } }
            var answers: [(Int, R)] = []
            for try await a in group { answers.append(a) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// An input every shard runs (``ShardRoute/isBroadcast(_:)``, a settlement): the same
    /// request, key included, to every shard (held ones answered here, the others forwarded;
    /// a forwarded call only to the shard it is for), the answers merged. A shard that fails
    /// fails the call; the client's retry with the same key is a duplicate where it was applied.
    func broadcast<R: SwiftProtobuf.Message>(_ method: String, _ type: R.Type, _ payload: Data, _ context: CallContext,
                                             _ wrap: (inout Copytrade_V1_Input, R) -> Void) async throws -> Data {
        let request = try Self.decode(R.self, payload)
        var input = Copytrade_V1_Input()
        wrap(&input, request)
        precondition(ShardRoute.isBroadcast(input), "\(method) has a single owning shard")
        return try Self.merged(try await fanOut(method, payload, context, as: Copytrade_V1_InputResult.self)).serializedBytes()
    }

    /// Every shard's answer to one broadcast input as one: the events in shard order, the
    /// highest sequence, a duplicate only when every shard's was.
    static func merged(_ parts: [Copytrade_V1_InputResult]) -> Copytrade_V1_InputResult {
        var out = Copytrade_V1_InputResult()
        out.duplicate = !parts.isEmpty
        for p in parts {
            out.sequence = max(out.sequence, p.sequence)
            out.duplicate = out.duplicate && p.duplicate
            out.events += p.events
            if out.createdID.isEmpty { out.createdID = p.createdID }
        }
        return out
    }

    /// The owning shard of a request, decoded as the input it becomes.
    static func inputShard<R: SwiftProtobuf.Message>(_ payload: Data, _ type: R.Type, count: Int,
                                                     _ wrap: (inout Copytrade_V1_Input, R) -> Void) throws -> Int {
        let request: R
        do { request = try R(serializedBytes: payload) } catch {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: error unmarshalling payload: \(error)")
        }
        var input = Copytrade_V1_Input()
        wrap(&input, request)
        return ShardRoute.shard(of: input, count: count) ?? 0
    }
}

extension HolderConnection {
    /// A unary call on raw bytes to the holder, marked as forwarded for `shardKey`'s shard.
    func raw(_ method: String, _ payload: Data, timeout: Duration?, shardKey: (String, String)) async throws -> Data {
        let request = try Google_Protobuf_Empty(serializedBytes: payload)
        let answer = try await call(method, request, timeout: timeout, extra: [shardKey.0: shardKey.1])
        return try answer.serializedBytes()
    }
}

extension ShardRouter {
    /// `Watch` over several shards: each shard's stream (its own sequence numbers, `after`
    /// applying to each) forwarded as its events commit, one message at a time. The watch ends
    /// when any shard's stream ends, with that stream's status (a slow client's
    /// RESOURCE_EXHAUSTED, a holder going away): the client resumes from what it saw.
    func watch(_ shards: [Int], _ payload: Data, _ context: CallContext,
               _ sink: @escaping @Sendable (Data) async throws -> Void) async throws {
        let out = SerialSink(sink)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for shard in shards {
                group.addTask { [self] in
                    if let service = local.withLock({ $0[shard] }) {
                        try await service.callStreaming("Watch", payload: payload, context: context) { try await out.send($0) }
                        return
                    }
                    if try forwardedShard(context) != nil {
                        throw TTRPCError(code: .unavailable, message: "this member does not hold shard \(shard) now; retry")
                    }
                    let holder = holders[shard]
                    let client = try await holder.client()
                    var metadata = holder.metadata
                    metadata.add(Self.shardKey, "\(shard)")
                    let stream = client.serverStream(service: ServiceDefinition.controlName, method: "Watch",
                                                     request: try Google_Protobuf_Empty(serializedBytes: payload),
                                                     responseType: Google_Protobuf_Empty.self, metadata: metadata)
                    for try await event in stream { try await out.send(try event.serializedBytes()) }
                }
            }
            // The first stream to end ends the watch.
            try await group.next()
            group.cancelAll()
        }
    }
}

/// Sends one message at a time to a stream shared by several producers.
private actor SerialSink {
    let sink: @Sendable (Data) async throws -> Void
    init(_ sink: @escaping @Sendable (Data) async throws -> Void) { self.sink = sink }
    func send(_ data: Data) async throws { try await sink(data) }
}
