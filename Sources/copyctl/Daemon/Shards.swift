import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto

/// `copyctl shards`: each shard's holder, epoch, last sequence and cursor lag (messages from
/// other shards not applied yet), as PostgreSQL has them (any member answers;
/// docs/sharding.md). Refused on a coordinator on SQLite.
struct Shards: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List each shard's holder, epoch, last sequence and cursor lag (PostgreSQL mode).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await runReporting(json: global.json) {
            let r: Copytrade_V1_ShardsResponse = try await withControl(global) {
                try await $0.call("Shards", Copytrade_V1_ShardsRequest())
            }
            var o = CalcOutput()
            o.add("shardCount", .integer(Int64(r.shardCount)))
            o.add("answeredBy", r.member)
            o.add("shards", .list(r.shards.map { s in
                var row = CalcOutput()
                row.add("shard", .integer(Int64(s.shard)))
                row.add("holder", s.holder)
                row.add("address", s.address)
                row.add("epoch", .integer(Int64(s.epoch)))
                row.add("lastSequence", .integer(Int64(s.lastSequence)))
                row.add("held", s.held)
                row.add("cursorLag", .integer(Int64(s.cursorLag)))
                return row
            }))
            Output.emit(o, json: global.json)
        }
    }
}
