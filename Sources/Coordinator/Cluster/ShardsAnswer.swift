import CopyTradeCore
import CopyTradeProto
import PostgresJournal

/// The `Shards` answer (`copyctl shards`): read from PostgreSQL by whichever member is asked,
/// so a standby answers it without the holder, and an operator sees a dead holder as not held.
enum ShardsAnswer {
    static func make(_ catalog: ClusterCatalog, count: Int, member: String) async throws -> Copytrade_V1_ShardsResponse {
        let rows: [ClusterCatalog.ShardRow]
        do {
            rows = try await catalog.shards(count: count)
        } catch {
            throw DomainError(.unavailable, "reading the shards from PostgreSQL: \(error)")
        }
        var out = Copytrade_V1_ShardsResponse()
        out.shardCount = UInt32(count)
        out.member = member
        out.shards = rows.map { row in
            var info = Copytrade_V1_ShardInfo()
            info.shard = UInt32(row.shard)
            info.holder = row.holder
            info.address = row.address
            info.epoch = UInt64(max(0, row.epoch))
            info.lastSequence = UInt64(max(0, row.lastSequence))
            info.held = row.held
            return info
        }
        return out
    }
}
