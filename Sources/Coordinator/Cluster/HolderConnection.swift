import CopyTradeProto
import Foundation
import Logging
import PostgresJournal
import SwiftProtobuf
import TTRPC

/// The connection to a shard's current holder, looked up in PostgreSQL (`member` joined with
/// `shard_lease`) when there is none or the last one failed.
actor HolderConnection {
    private let catalog: ClusterCatalog
    private let shard: Int
    private let ownAddress: String
    private let logger: Logger
    private var cached: (address: String, client: TTRPCClient)?
    /// The cluster's control token, sent with every forwarded call (a holder's TCP listener
    /// requires it; its Unix socket ignores it).
    nonisolated let metadata: TTRPCMetadata

    init(catalog: ClusterCatalog, shard: Int, ownAddress: String, token: String?, logger: Logger) {
        self.metadata = token.map { [TTRPCToken.metadataKey: TTRPCToken.metadataValue(for: $0)] } ?? [:]
        self.catalog = catalog
        self.shard = shard
        self.ownAddress = ownAddress
        self.logger = logger
    }

    /// A unary call to the holder. Never repeated here: a call that may have reached the
    /// holder is the client's to retry, with its idempotency key (exit 2 from copyctl).
    func call(_ method: String, _ request: Google_Protobuf_Empty, timeout: Duration?,
              extra: TTRPCMetadata = [:]) async throws -> Google_Protobuf_Empty {
        let client = try await client()
        var all = metadata
        for e in extra { all.add(e.key, e.value) }
        do {
            return try await client.call(service: ServiceDefinition.controlName, method: method, request: request,
                                         responseType: Google_Protobuf_Empty.self, timeout: timeout, metadata: all)
        } catch let error as TTRPCError where error.code == .unavailable && !client.isActive {
            drop(client)
            throw TTRPCError(code: .unavailable, message: "the holder of shard \(shard) went away (\(error.message)); retry")
        }
    }

    /// The holder's client, connecting when needed.
    func client() async throws -> TTRPCClient {
        if let cached, cached.client.isActive { return cached.client }
        if let cached { await cached.client.close() }
        cached = nil
        let address: String?
        do {
            address = try await catalog.holderAddress(shard: shard)
        } catch {
            throw TTRPCError(code: .unavailable, message: "cannot look up the holder of shard \(shard): \(error)")
        }
        guard let address else {
            throw TTRPCError(code: .unavailable, message: "no member holds shard \(shard) now (a takeover may be under way); retry")
        }
        guard address != ownAddress else {
            throw TTRPCError(code: .unavailable, message: "shard \(shard) is being taken over by this member; retry")
        }
        do {
            let target = try TTRPCAddress(parsing: address)
            let client = try await TTRPCClient.connect(to: target, logger: logger, connectTimeout: .seconds(2))
            cached = (address, client)
            logger.info("forwarding control calls", metadata: ["shard": "\(shard)", "holder": "\(address)"])
            return client
        } catch {
            throw TTRPCError(code: .unavailable, message: "cannot reach the holder of shard \(shard) at \(address): \(error); retry")
        }
    }

    private func drop(_ client: TTRPCClient) {
        if cached?.client === client { cached = nil }
    }

    func close() async {
        await cached?.client.close()
        cached = nil
    }
}
