import CopyTradeCore

/// Where one engine sits among a cluster's shards (docs/sharding.md): how many there are,
/// which one this is, and which shard owns an account. One process with SQLite is the layout
/// of one shard, where every account is local and no message is ever sent.
public struct ShardLayout: Sendable, Hashable {
    /// The cluster's shard count, fixed when the cluster was created.
    public let count: Int
    /// This engine's shard, in `0..<count`.
    public let index: Int

    /// The one-process layout: one shard, everything local.
    public static let single = ShardLayout(uncheckedCount: 1, index: 0)

    /// The shard that records marks and rollout settings and sends them to every other shard,
    /// so every shard sees them in the same order (docs/sharding.md, "The market shard").
    public static let marketShard = 0

    /// - Throws: ``DomainError`` when `count` is not positive or `index` not in `0..<count`.
    public init(count: Int, index: Int) throws(DomainError) {
        guard count >= 1 else { throw DomainError.invalid("shards", "must be at least 1, got \(count)") }
        guard (0..<count).contains(index) else { throw DomainError.invalid("shard", "must be in 0..<\(count), got \(index)") }
        self.init(uncheckedCount: count, index: index)
    }

    private init(uncheckedCount count: Int, index: Int) {
        self.count = count
        self.index = index
    }

    /// More than one shard: inputs may have effects elsewhere, which become messages.
    public var isSharded: Bool { count > 1 }

    /// The shard owning `account`: a stable hash of its id (64-bit FNV-1a over its UTF-8
    /// bytes), so every member, and every version, places it in the same shard.
    public static func shard(of account: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in account.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    public func shard(of account: String) -> Int { Self.shard(of: account, count: count) }

    /// Whether this shard owns `account`.
    public func owns(_ account: String) -> Bool { count == 1 || shard(of: account) == index }

    /// Every other shard: a fan-out's message goes to each (a shard cannot know which others
    /// hold copiers of a trader; a shard with none applies it as nothing).
    public var others: [Int] { (0..<count).filter { $0 != index } }

    /// Ids unique in the cluster: this shard's n-th id is `n * count + index` (in one process,
    /// just n), so an id names its shard and keeps its order among the shard's own ids.
    public func idNumber(_ n: UInt64) -> UInt64 { n &* UInt64(count) &+ UInt64(index) }
}

/// Who another shard's account is (docs/sharding.md, "Follows across shards"): the owning
/// shard records an account's role in the same transaction that creates it, and a follow of
/// a trader on another shard is checked against that record before the relation exists.
public protocol AccountDirectory: Sendable {
    /// The role recorded for `account` by the shard that owns it; nil when no shard created it.
    func role(of account: String) async throws -> AccountRole?
}
