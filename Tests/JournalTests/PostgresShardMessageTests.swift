import Journal
import PostgresJournal
import PostgresNIO
import Synchronization
import Testing

/// Cross-shard messages (issue 11) on the real PostgreSQL server: a message exists exactly when
/// the entry that produced it committed, and a receiver's cursor moves exactly when the entry
/// that applied a message committed, so each message is applied once. Every test takes shard
/// numbers (and account names) of its own in the shared tables.
@Suite("Cross-shard messages on PostgreSQL", .timeLimit(.minutes(3)))
struct PostgresShardMessageTests {
    @Test("an entry's messages are written with it, in order, and a duplicate writes none")
    func messagesAreWrittenWithTheirEntryOnly() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let source = try await pg.openFreshShard()
        let (t1, t2) = (pg.nextShard(), pg.nextShard())
        #expect(try await box.pending(target: t1, source: source.shard, after: nil, limit: 10).isEmpty)

        let first = entry("a", messages: [(t1, "x"), (t2, "y"), (t1, "z")])
        #expect(try await source.append(first) == .appended(1))
        #expect(try await box.pending(target: t1, source: source.shard, after: nil, limit: 10)
            == [.init(source: source.shard, sequence: 1, index: 0, payload: bytes("x")),
                .init(source: source.shard, sequence: 1, index: 2, payload: bytes("z"))])
        #expect(try await box.pending(target: t2, source: source.shard, after: nil, limit: 10)
            == [.init(source: source.shard, sequence: 1, index: 1, payload: bytes("y"))])

        // A replay of "a" with other messages, and within the batch a second replay of "b".
        let results = try await source.append([
            entry("a", messages: [(t1, "replayed")]), entry("b", messages: [(t1, "w")]),
            entry("b", messages: [(t1, "replayed too")]),
        ])
        #expect(results.map(\.sequence) == [1, 2, 2])
        #expect(results.map(\.isDuplicate) == [true, false, true])
        #expect(try await box.pending(target: t1, source: source.shard, after: nil, limit: 10).map(\.payload)
            == ["x", "z", "w"].map(bytes))
        try await source.close()
    }

    @Test("a transaction that fails after writing messages leaves none of them, nor its entries")
    func rolledBackAppendLeavesNoMessages() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let source = try await pg.openFreshShard()
        let target = pg.nextShard()
        // PostgreSQL's text cannot hold NUL: the directory insert, which follows the journal and
        // message inserts in the same transaction, fails, so the transaction rolls back.
        let failing = entry("doomed", messages: [(target, "lost")], directory: [("bad\u{0}account", "trader")])
        await #expect(throws: JournalError.self) { try await source.append([entry("fine", messages: [(target, "f")]), failing]) }
        #expect(try await source.lastSequence == 0)
        #expect(try await box.pending(target: target, source: source.shard, after: nil, limit: 10).isEmpty)
        #expect(try await source.append(entry("next", messages: [(target, "n")])) == .appended(1))
        #expect(try await box.pending(target: target, source: source.shard, after: nil, limit: 10).map(\.payload) == [bytes("n")])
        try await source.close()
    }

    @Test("a fenced append writes no message, cursor or directory row")
    func fencedAppendWritesNothing() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let stale = try await pg.openFreshShard()
        let target = pg.nextShard()
        let account = "fenced-trader-\(stale.shard)"
        _ = try await pg.takeOver(shard: stale.shard)
        let error = await #expect(throws: JournalError.self) {
            try await stale.append(entry(
                "late", messages: [(target, "late")], consumed: .init(source: target, sequence: 4, index: 0),
                directory: [(account, "trader")]))
        }
        #expect(error?.code == .fenced)
        #expect(try await box.pending(target: target, source: stale.shard, after: nil, limit: 10).isEmpty)
        #expect(try await box.cursors(target: stale.shard).isEmpty)
        #expect(try await box.role(of: account) == nil)
        try await stale.close()
    }

    @Test("a receiver's cursor keeps the greatest position per source; duplicates do not move it")
    func cursorKeepsTheGreatest() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let receiver = try await pg.openFreshShard()
        let (s1, s2) = (pg.nextShard(), pg.nextShard())
        let at = { (source: Int, sequence: UInt64, index: Int) in ShardMessageCursor(source: source, sequence: sequence, index: index) }

        _ = try await receiver.append(entry("c1", consumed: at(s1, 5, 0)))
        #expect(try await box.cursors(target: receiver.shard) == [s1: at(s1, 5, 0)])
        _ = try await receiver.append(entry("c2", consumed: at(s1, 3, 2)))
        #expect(try await box.cursors(target: receiver.shard) == [s1: at(s1, 5, 0)])
        // One batch, positions out of order and two sources: the greatest of each.
        _ = try await receiver.append([
            entry("c3", consumed: at(s1, 7, 1)), entry("c4", consumed: at(s2, 2, 0)), entry("c5", consumed: at(s1, 7, 0)),
        ])
        #expect(try await box.cursors(target: receiver.shard) == [s1: at(s1, 7, 1), s2: at(s2, 2, 0)])
        // A replay of a journaled key moves nothing, whatever it carries.
        #expect(try await receiver.append(entry("c1", consumed: at(s1, 100, 0))).isDuplicate)
        #expect(try await box.cursors(target: receiver.shard)[s1] == at(s1, 7, 1))
        // Cursors are per target.
        #expect(try await box.cursors(target: s1).isEmpty)
        try await receiver.close()
    }

    @Test("pending after a cursor returns only the later messages of that source, in order, up to the limit")
    func pendingAfterCursor() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let source = try await pg.openFreshShard()
        let other = try await pg.openFreshShard()
        let target = pg.nextShard()
        _ = try await source.append([
            entry("e1", messages: [(target, "1.0"), (target, "1.1")]), entry("e2"), entry("e3", messages: [(target, "3.0")]),
        ])
        _ = try await other.append(entry("o1", messages: [(target, "other")]))
        let pending = { (after: ShardMessageCursor?, limit: Int) in
            try await box.pending(target: target, source: source.shard, after: after, limit: limit)
        }
        let all = try await pending(nil, 10)
        #expect(all.map(\.payload) == ["1.0", "1.1", "3.0"].map(bytes))
        #expect(all.map(\.cursor) == [(1, 0), (1, 1), (3, 0)].map { .init(source: source.shard, sequence: $0, index: $1) })
        #expect(try await pending(all[0].cursor, 10) == Array(all[1...]))
        #expect(try await pending(all[0].cursor, 1) == [all[1]])
        #expect(try await pending(all[2].cursor, 10).isEmpty)
        #expect(try await box.pending(target: target, source: other.shard, after: nil, limit: 10).map(\.payload) == [bytes("other")])

        let wrongSource = await #expect(throws: JournalError.self) {
            try await box.pending(target: target, source: other.shard, after: all[0].cursor, limit: 10)
        }
        #expect(wrongSource?.code == .invalid)
        await #expect(throws: JournalError.self) { try await pending(nil, 0) }
        await #expect(throws: JournalError.self) { try await box.pending(target: -1, source: 0, after: nil, limit: 1) }
        try await source.close()
        try await other.close()
    }

    @Test("pending counts fall to 0 once the receiver journals the application of the last message")
    func pendingCountsDrainToZero() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let source = try await pg.openFreshShard()
        let second = try await pg.openFreshShard()
        let receiver = try await pg.openFreshShard()
        let shardCount = receiver.shard + 1
        let pendingHere = { try await box.pendingCounts(shardCount: shardCount)[receiver.shard] }

        #expect(try await pendingHere() == 0)
        _ = try await source.append([entry("s1", messages: [(receiver.shard, "a"), (receiver.shard, "b")]),
                                     entry("s2", messages: [(receiver.shard, "c")])])
        _ = try await second.append(entry("x1", messages: [(receiver.shard, "d")]))
        let counts = try await box.pendingCounts(shardCount: shardCount)
        #expect(counts.count == shardCount)
        #expect(counts[receiver.shard] == 4)
        #expect(counts[source.shard] == 0)

        // The receiver applies messages as a shard does: one journaled input per message.
        func apply(_ message: IncomingShardMessage) async throws {
            let key = "msg-\(message.source)-\(message.sequence)-\(message.index)"
            #expect(try await receiver.append(entry(key, consumed: message.cursor)).isDuplicate == false)
        }
        let fromSource = try await box.pending(target: receiver.shard, source: source.shard, after: nil, limit: 10)
        try await apply(fromSource[0])
        #expect(try await pendingHere() == 3)
        try await apply(fromSource[2])   // the last one of `source`: the earlier ones count as consumed
        #expect(try await pendingHere() == 1)
        for message in try await box.pending(target: receiver.shard, source: second.shard, after: nil, limit: 10) {
            try await apply(message)
        }
        #expect(try await pendingHere() == 0)
        #expect(try await box.cursors(target: receiver.shard) == [source.shard: fromSource[2].cursor,
                                                                  second.shard: .init(source: second.shard, sequence: 1, index: 0)])
        // A new message counts again.
        _ = try await source.append(entry("s3", messages: [(receiver.shard, "e")]))
        #expect(try await pendingHere() == 1)
        #expect(try await box.pendingCounts(shardCount: 0).isEmpty)
        for store in [source, second, receiver] { try await store.close() }
    }

    @Test("the directory records an account's shard and role with the entry that created it")
    func directoryRecordsAccounts() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let home = try await pg.openFreshShard()
        let elsewhere = try await pg.openFreshShard()
        let trader = "trader-\(home.shard)", follower = "follower-\(home.shard)"
        #expect(try await box.role(of: trader) == nil)
        _ = try await home.append(entry("open", directory: [(trader, "trader"), (follower, "follower")]))
        let found = try #require(try await box.role(of: trader))
        #expect(found.shard == home.shard && found.role == "trader")
        #expect(try await box.role(of: follower)?.role == "follower")
        // The first record stands.
        _ = try await elsewhere.append(entry("again", directory: [(trader, "follower")]))
        let still = try #require(try await box.role(of: trader))
        #expect(still.shard == home.shard && still.role == "trader")
        #expect(try await box.role(of: "nobody-\(home.shard)") == nil)
        try await home.close()
        try await elsewhere.close()
    }

    @Test("bad shard numbers and cursors in an entry are refused before the transaction")
    func badShardEffectsAreInvalid() async throws {
        let pg = try await JournalPostgres.shared()
        let store = try await pg.openFreshShard()
        let bad: [(String, NewJournalEntry)] = [
            ("'messages[0].target'", entry("t", messages: [(-1, "x")])),
            ("'consumed.index'", entry("i", consumed: .init(source: 1, sequence: 1, index: -1))),
            ("'consumed.sequence'", entry("q", consumed: .init(source: 1, sequence: 0, index: 0))),
            ("'directory[0].account'", entry("d", directory: [("", "trader")])),
        ]
        for (field, candidate) in bad {
            let error = await #expect(throws: JournalError.self) { try await store.append(candidate) }
            #expect(error?.code == .invalid)
            #expect(error?.message.contains(field) == true, "\(field): \(error.map(String.init(describing:)) ?? "")")
        }
        #expect(try await store.lastSequence == 0)
        try await store.close()
    }

    @Test("a wake-up arrives after a commit with messages, and the listener ends with its consumer")
    func wakeUpAfterCommit() async throws {
        let pg = try await JournalPostgres.shared()
        let box = ShardMessageBox(client: pg.client, logger: .quiet)
        let source = try await pg.openFreshShard()
        let target = pg.nextShard()
        let wakeUps = Mutex(0)
        let consumer = Task {
            for await _ in box.wakeUps(target: target) { wakeUps.withLock { $0 += 1 } }
        }
        // The first wake-up says the LISTEN is in place.
        #expect(try await eventually { wakeUps.withLock { $0 } >= 1 })
        let listening = wakeUps.withLock { $0 }
        _ = try await source.append(entry("to another shard", messages: [(pg.nextShard(), "elsewhere")]))
        _ = try await source.append(entry("here", messages: [(target, "wake")]))
        #expect(try await eventually { wakeUps.withLock { $0 } > listening })

        // Cancelling the consumer ends the stream, and the connection stops listening.
        consumer.cancel()
        await consumer.value
        let listen = "LISTEN \"copytrade_shard_\(target)\";"
        #expect(try await eventually {
            try await pg.client.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = \(listen)"
            ).decode(Int64.self).reduce(0, +) == 0
        })
        try await source.close()
    }
}

/// An entry whose cross-shard effects are spelled briefly: messages as (target, text).
private func entry(
    _ key: String, messages: [(Int, String)] = [], consumed: ShardMessageCursor? = nil,
    directory: [(String, String)] = []
) -> NewJournalEntry {
    NewJournalEntry(
        key: key, kind: "test", receivedMs: 1, input: bytes(key), outcome: [],
        messages: messages.map { OutgoingShardMessage(target: $0.0, payload: bytes($0.1)) },
        consumed: consumed, directory: directory.map { AccountDirectoryEntry(account: $0.0, role: $0.1) })
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Whether `condition` holds within `limit`, checked every 20 ms: for what arrives
/// asynchronously (a notification), with no claim about how fast.
private func eventually(within limit: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
