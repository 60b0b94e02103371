/// The idempotency keys past the retention, as a Bloom filter of fixed size (docs/decisions.md,
/// "Idempotency"): memory stays bounded however long the daemon runs, and a key that was never
/// used, the common case, is known new without reading the journal. A key the filter may hold
/// (one it does, or a false positive, about 1 % up to some 7 million forgotten keys) is looked
/// up in the journal, so the answer is always exact.
struct ForgottenKeys: Sendable {
    /// 2^26 bits = 8 MiB.
    private static let bitCount = 1 << 26
    private static let hashes = 7
    /// Allocated on the first insert: a coordinator that never forgot a key pays nothing.
    private var bits: [UInt64] = []
    /// How many keys were put in (never taken out).
    private(set) var count = 0

    mutating func insert(_ key: String) {
        if bits.isEmpty { bits = [UInt64](repeating: 0, count: Self.bitCount / 64) }
        for i in Self.positions(key) { bits[i >> 6] |= 1 << UInt64(i & 63) }
        count += 1
    }

    /// False when `key` was certainly never inserted.
    func mightContain(_ key: String) -> Bool {
        guard count > 0 else { return false }
        for i in Self.positions(key) where bits[i >> 6] & (1 << UInt64(i & 63)) == 0 { return false }
        return true
    }

    /// The bit positions of `key`: double hashing over two 64-bit hashes (FNV-1a, then a
    /// SplitMix64 finaliser), the same in every process, so a filter is rebuilt identically.
    private static func positions(_ key: String) -> [Int] {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        var z = h &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        let h2 = (z ^ (z >> 31)) | 1
        let mask = UInt64(bitCount - 1)
        return (0..<hashes).map { Int((h &+ UInt64($0) &* h2) & mask) }
    }
}
