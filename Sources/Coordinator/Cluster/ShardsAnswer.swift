import CopyTradeCore
import CopyTradeProto
import PostgresJournal

/// The `Shards` answer (`copyctl shards`): read from PostgreSQL by whichever member is asked,
/// so a standby answers it without the holder, and an operator sees a dead holder as not held.
/// `cursor_lag` is the messages sent to a shard that it has not applied yet (one consistent
/// read: all zero means every message in the cluster has been applied).
enum ShardsAnswer {
    static func make(_ catalog: ClusterCatalog, box: ShardMessageBox, count: Int, member: String) async throws -> Copytrade_V1_ShardsResponse {
        let rows: [ClusterCatalog.ShardRow]
        let lag: [Int: Int64]
        do {
            rows = try await catalog.shards(count: count)
            lag = try await box.pendingCounts(shardCount: count)
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
            info.cursorLag = UInt64(max(0, lag[row.shard] ?? 0))
            return info
        }
        return out
    }
}
