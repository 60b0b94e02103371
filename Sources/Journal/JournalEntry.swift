/// One journaled input and the outcome the coordinator decided for it.
///
/// The store treats `input` and `outcome` as opaque bytes (serialized protobuf): recovery
/// re-applies `outcome` without deciding again, so the journal never needs to understand it.
public struct JournalEntry: Sendable, Hashable {
    /// Assigned by the store: 1, 2, 3... gap-free, in commit order.
    public var sequence: UInt64
    /// The input's idempotency key, unique in the journal.
    public var key: String
    /// What kind of input this is, e.g. `"trader.open"`.
    public var kind: String
    /// When the coordinator received the input, in milliseconds since 1970.
    public var receivedMs: Int64
    /// The serialized input.
    public var input: [UInt8]
    /// The serialized outcome (the events the coordinator decided).
    public var outcome: [UInt8]

    public init(
        sequence: UInt64, key: String, kind: String, receivedMs: Int64,
        input: [UInt8], outcome: [UInt8]
    ) {
        self.sequence = sequence
        self.key = key
        self.kind = kind
        self.receivedMs = receivedMs
        self.input = input
        self.outcome = outcome
    }
}

/// An entry to append: a `JournalEntry` before the store has given it a sequence.
public struct NewJournalEntry: Sendable, Hashable {
    public var key: String
    public var kind: String
    public var receivedMs: Int64
    public var input: [UInt8]
    public var outcome: [UInt8]
    /// The sequence of the first event in `outcome` (nil when it has none). Indexed, so a
    /// history read after event N starts at the entry holding N+1 instead of scanning the
    /// journal from its start (docs/journal.md, "History index").
    public var firstEvent: UInt64?
    /// Messages for other shards, written in the same transaction as this entry (and not at
    /// all for a duplicate): a message exists exactly when the entry that produced it does.
    /// Only a sharded store carries them; `SQLiteJournalStore` and `InMemoryJournalStore`
    /// refuse an entry that has any.
    public var messages: [OutgoingShardMessage] = []
    /// The message this entry is the application of: the store records it as the receiving
    /// shard's cursor for the message's source in the same transaction, so a message is
    /// applied once however often the receiver restarts. Sharded stores only, as `messages`.
    public var consumed: ShardMessageCursor? = nil
    /// Accounts this entry creates, recorded in the cluster's account directory in the same
    /// transaction. Sharded stores only, as `messages`.
    public var directory: [AccountDirectoryEntry] = []

    public init(key: String, kind: String, receivedMs: Int64, input: [UInt8], outcome: [UInt8],
                firstEvent: UInt64? = nil, messages: [OutgoingShardMessage] = [],
                consumed: ShardMessageCursor? = nil, directory: [AccountDirectoryEntry] = []) {
        self.key = key
        self.kind = kind
        self.receivedMs = receivedMs
        self.input = input
        self.outcome = outcome
        self.firstEvent = firstEvent
        self.messages = messages
        self.consumed = consumed
        self.directory = directory
    }

    /// The journaled form of this entry once `sequence` is assigned.
    package func journaled(as sequence: UInt64) -> JournalEntry {
        JournalEntry(
            sequence: sequence, key: key, kind: kind, receivedMs: receivedMs,
            input: input, outcome: outcome)
    }
}

/// What became of one appended entry.
public enum AppendResult: Sendable, Hashable {
    /// The entry is now durably journaled at this sequence.
    case appended(UInt64)
    /// The key was already journaled (earlier, or earlier in the same batch); nothing was
    /// appended, and this is the original entry, whose outcome answers the replay.
    case duplicate(JournalEntry)

    /// The sequence of the new entry, or of the original one for a duplicate.
    public var sequence: UInt64 {
        switch self {
        case .appended(let sequence): sequence
        case .duplicate(let original): original.sequence
        }
    }

    /// Whether the entry was a replay of an already-journaled key.
    public var isDuplicate: Bool {
        if case .duplicate = self { true } else { false }
    }
}
