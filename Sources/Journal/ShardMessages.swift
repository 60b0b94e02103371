/// Cross-shard messages (issue 11): what one shard's journal entry tells another shard, and
/// where a receiving shard has got to in each source's stream. The journal carries them so a
/// message is written in the same transaction as the entry that produced it, and a receiver's
/// cursor in the same transaction as the input that applied it: exactly once on both sides,
/// whatever crashes in between. Only a sharded store (`PostgresJournalStore`) carries them; a
/// one-process store refuses them rather than drop them (`EntryValidation`).

/// A message an entry sends to shard `target`, written with the entry or not at all.
public struct OutgoingShardMessage: Sendable, Hashable {
    /// The receiving shard.
    public var target: Int
    /// Opaque to the journal (serialized protobuf), like an entry's input and outcome.
    public var payload: [UInt8]

    public init(target: Int, payload: [UInt8]) {
        self.target = target
        self.payload = payload
    }
}

/// The position of a message in its source shard's stream: `sequence` is the journal sequence
/// of the entry that produced it in shard `source`, `index` its position in that entry's
/// `messages`. Positions in one source's stream order by (sequence, index); comparing cursors
/// of different sources means nothing (`source` is not part of the order).
public struct ShardMessageCursor: Sendable, Hashable, Comparable {
    public var source: Int
    public var sequence: UInt64
    public var index: Int

    public init(source: Int, sequence: UInt64, index: Int) {
        self.source = source
        self.sequence = sequence
        self.index = index
    }

    public static func < (lhs: ShardMessageCursor, rhs: ShardMessageCursor) -> Bool {
        (lhs.sequence, lhs.index) < (rhs.sequence, rhs.index)
    }
}

/// A message as its receiver reads it: where it comes from, and its payload.
public struct IncomingShardMessage: Sendable, Hashable {
    public var source: Int
    public var sequence: UInt64
    public var index: Int
    public var payload: [UInt8]

    public init(source: Int, sequence: UInt64, index: Int, payload: [UInt8]) {
        self.source = source
        self.sequence = sequence
        self.index = index
        self.payload = payload
    }

    /// This message's position: the receiver journals it as `NewJournalEntry.consumed` with
    /// the input that applies the message.
    public var cursor: ShardMessageCursor {
        ShardMessageCursor(source: source, sequence: sequence, index: index)
    }
}

/// An account as the cluster-wide directory records it when its shard creates it, so another
/// shard can check that a trader exists, and is a trader, before creating a follow relation.
/// The shard is the one whose store journals the entry.
public struct AccountDirectoryEntry: Sendable, Hashable {
    public var account: String
    /// The account's role, e.g. `"trader"`, opaque to the journal.
    public var role: String

    public init(account: String, role: String) {
        self.account = account
        self.role = role
    }
}
