import CopyTradeCore
import CopyTradeProto
import Journal
import Logging
import PostgresJournal
import Pricing
import TTRPC

/// One shard a member holds (docs/sharding.md): its lease, its fenced journal on PostgreSQL,
/// its sequencer (an engine that owns only this shard's accounts), the control service the
/// router calls for it, and the consumer applying other shards' messages to it.
final class ShardHost: Sendable {
    let shard: Int
    let lease: ShardLease
    let store: PostgresJournalStore
    let sequencer: Sequencer
    let control: ServiceDefinition
    private let consumer: Task<Void, Never>

    private init(shard: Int, lease: ShardLease, store: PostgresJournalStore, sequencer: Sequencer,
                 control: ServiceDefinition, consumer: Task<Void, Never>) {
        self.shard = shard
        self.lease = lease
        self.store = store
        self.sequencer = sequencer
        self.control = control
        self.consumer = consumer
    }

    /// Recovers shard `lease.shard` from PostgreSQL under `lease` and starts applying its
    /// messages. On failure the lease is released and the store closed.
    static func open(_ lease: ShardLease, count: Int, options: DaemonOptions, market: Market, host: PluginHost,
                     catalog: ClusterCatalog, box: ShardMessageBox, metrics: CoordinatorMetrics,
                     logger: Logger) async throws -> ShardHost {
        let shard = lease.shard
        var log = logger
        log[metadataKey: "shard"] = "\(shard)"
        let store: PostgresJournalStore
        do {
            store = try await PostgresJournalStore(client: catalog.client, shard: shard, epoch: lease.epoch, logger: log)
        } catch {
            await lease.release()
            throw error
        }
        do {
            let engine = Engine(modules: await host.moduleSet(), config: options.config, market: market,
                                layout: try ShardLayout(count: count, index: shard), directory: PostgresAccountDirectory(box: box))
            let sequencer = try await Sequencer(engine: engine, store: store, logger: log, metrics: metrics, policy: options.policy)
            let started = await sequencer.started
            let dataDir = options.dataDirectory
            let control = ServiceDefinition.control(sequencer, modules: ModuleControl(host: host, sequencer: sequencer),
                                                    watchBufferEvents: options.watchBufferEvents) {
                await DaemonStatus.make(sequencer, host: host, startedMs: started, dataDirectory: dataDir)
            }
            let consumer = MessageConsumer(shard: shard, count: count, box: box, sequencer: sequencer, logger: log)
            return ShardHost(shard: shard, lease: lease, store: store, sequencer: sequencer, control: control,
                             consumer: Task { await consumer.run() })
        } catch {
            try? await store.close()
            await lease.release()
            throw error
        }
    }

    /// Stops applying messages, finishes the inputs the sequencer holds (journal flushed, a
    /// snapshot written), closes the store and releases the lease.
    func close() async {
        consumer.cancel()
        await consumer.value
        await sequencer.shutdown()
        try? await store.close()
        await lease.release()
    }

    /// Stops serving at once after the lease was lost: nothing more is decided or answered.
    func stepDown(_ reason: String) async {
        consumer.cancel()
        await sequencer.stepDown(reason)
        await consumer.value
        try? await store.close()
    }
}
