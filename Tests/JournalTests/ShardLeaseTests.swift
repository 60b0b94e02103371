import Journal
@testable import PostgresJournal
import PostgresNIO
import Testing

/// Shard leases (docs/journal.md, "Leases"): exclusive while held, an epoch bumped on every
/// acquisition, released on request, and a lost session noticed by the holder.
@Suite("Shard leases", .timeLimit(.minutes(3)))
struct ShardLeaseTests {
    @Test("acquire is exclusive; release lets the next holder in with the next epoch")
    func acquireIsExclusiveAndReleaseHandsOver() async throws {
        let pg = try await JournalPostgres.shared()
        let shard = pg.nextShard()
        let first = try #require(try await ShardLease.acquire(
            shard: shard, holder: "member-a", configuration: pg.leaseConfiguration(), logger: .quiet))
        #expect(first.epoch == 1 && first.isHeld)
        #expect(try await ShardLease.acquire(
            shard: shard, holder: "member-b", configuration: pg.leaseConfiguration(), logger: .quiet) == nil)
        // Another shard is a lease of its own.
        let other = try #require(try await ShardLease.acquire(
            shard: pg.nextShard(), holder: "member-b", configuration: pg.leaseConfiguration(), logger: .quiet))

        await first.release()
        #expect(await first.waitUntilEnded() == .released)
        #expect(!first.isHeld)
        let second = try #require(try await ShardLease.acquire(
            shard: shard, holder: "member-b", configuration: pg.leaseConfiguration(), logger: .quiet))
        #expect(second.epoch == 2)
        let holder = try await pg.client.query("SELECT holder FROM shard_lease WHERE shard = \(Int32(shard))")
            .decode(String.self).reduce(into: []) { $0.append($1) }
        #expect(holder == ["member-b"])
        await second.release()
        await other.release()
    }

    @Test("a lease's store is fenced once the lease passes to another holder")
    func leaseEpochFencesTheFormerHoldersStore() async throws {
        let pg = try await JournalPostgres.shared()
        let shard = pg.nextShard()
        let lease = try #require(try await ShardLease.acquire(
            shard: shard, holder: "a", configuration: pg.leaseConfiguration(), logger: .quiet))
        let store = try await PostgresJournalStore(client: pg.client, shard: shard, epoch: lease.epoch, logger: .quiet)
        #expect(try await store.append(.sample("a")) == .appended(1))
        await lease.release()
        // Released but not yet taken: the epoch is unchanged, so the store could still write;
        // the holder is expected to stop before releasing. Once taken over, it cannot.
        let next = try #require(try await ShardLease.acquire(
            shard: shard, holder: "b", configuration: pg.leaseConfiguration(), logger: .quiet))
        let error = await #expect(throws: JournalError.self) { try await store.append(.sample("b")) }
        #expect(error?.code == .fenced)
        #expect(try await store.lastSequence == 1)
        await next.release()
        try await store.close()
    }

    @Test("a terminated session is noticed: the lease ends as lost and another member can take it")
    func terminatedSessionIsNoticed() async throws {
        let pg = try await JournalPostgres.shared()
        let shard = pg.nextShard()
        let lease = try #require(try await ShardLease.acquire(
            shard: shard, holder: "a", configuration: pg.leaseConfiguration(),
            probeInterval: .seconds(5), logger: .quiet))
        // As an operator (or a failover test) would: end the backend holding the advisory lock.
        // Advisory locks are per database and pg_locks shows the whole server, where other
        // suites' databases hold locks on the same shard numbers: this database's only.
        let terminated = try await pg.client.query(
            """
            SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND classid = \(Int64(AdvisoryLock.namespace)) AND objid = \(Int64(shard)) AND objsubid = 2
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """).decode(Bool.self).reduce(into: []) { $0.append($1) }
        #expect(terminated == [true])
        // Noticed through the closed connection, well before the 5 s probe.
        let deadline = ContinuousClock.now.advanced(by: .seconds(4))
        while lease.isHeld && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!lease.isHeld)
        guard case .lost(let reason) = await lease.waitUntilEnded() else {
            Issue.record("the lease did not end as lost")
            return
        }
        #expect(reason.contains("session"))
        let next = try #require(try await ShardLease.acquire(
            shard: shard, holder: "b", configuration: pg.leaseConfiguration(), logger: .quiet))
        #expect(next.epoch == lease.epoch + 1)
        await next.release()
        await lease.release()  // after loss: does nothing
    }

    @Test("a probe notices the epoch moving under the lease")
    func probeNoticesAnEpochMoved() async throws {
        let pg = try await JournalPostgres.shared()
        let shard = pg.nextShard()
        // A probe unanswered for three intervals ends the lease for another reason (a hung
        // session): the interval leaves a loaded machine (the equivalence runs beside this
        // one) room to answer, while the epoch check is what is under test.
        let lease = try #require(try await ShardLease.acquire(
            shard: shard, holder: "a", configuration: pg.leaseConfiguration(),
            probeInterval: .seconds(1), logger: .quiet))
        _ = try await pg.takeOver(shard: shard)
        #expect(await lease.waitUntilEnded() == .lost("the shard's epoch moved to 2 under this lease"))
    }

    @Test("PostgreSQL unreachable: acquiring fails as an I/O error naming the shard")
    func unreachableServerIsAnIOError() async throws {
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: "/tmp/ct-no-such-dir/.s.PGSQL.1", username: "postgres", password: nil, database: "x")
        let error = await #expect(throws: JournalError.self) {
            try await ShardLease.acquire(shard: 3, holder: "a", configuration: configuration, logger: .quiet)
        }
        #expect(error?.code == .io)
        #expect(error?.message.contains("shard 3") == true, "\(String(describing: error))")
        #expect(error?.message.contains("connect") == true, "\(String(describing: error))")
    }
}
