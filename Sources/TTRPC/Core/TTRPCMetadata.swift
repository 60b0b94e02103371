/// Request metadata: an ordered list of key/value pairs, as `repeated KeyValue metadata` on the
/// wire. Keys may repeat (Go's `MD` is `map[string][]string`).
public struct TTRPCMetadata: Sendable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) { self.entries = entries }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.entries = elements.map { Entry(key: $0.0, value: $0.1) }
    }

    /// Appends a value; earlier values for the same key are kept.
    public mutating func add(_ key: String, _ value: String) {
        entries.append(Entry(key: key, value: value))
    }

    /// All values for `key`, matching case-insensitively like Go's `MD.Get`.
    public func values(forKey key: String) -> [String] {
        let lowered = key.lowercased()
        return entries.filter { $0.key == key || $0.key.lowercased() == lowered }.map(\.value)
    }

    /// The first value for `key`, if any.
    public subscript(key: String) -> String? { values(forKey: key).first }

    public var isEmpty: Bool { entries.isEmpty }

    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

    init(wire: [Ttrpc_KeyValue]) {
        self.entries = wire.map { Entry(key: $0.key, value: $0.value) }
    }

    var wire: [Ttrpc_KeyValue] {
        entries.map { entry in
            var kv = Ttrpc_KeyValue()
            kv.key = entry.key
            kv.value = entry.value
            return kv
        }
    }
}
