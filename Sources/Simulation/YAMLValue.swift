import CopyTradeCore
import Yams

/// A YAML node with where it is (file, line, key path), so every reading mistake names its place.
struct YAMLValue {
    let node: Node
    let path: String
    let file: String

    var line: Int { node.mark?.line ?? 0 }

    func error(_ rule: String) -> ScenarioError { ScenarioError(file: file, line: line, path: path, rule: rule) }

    func child(_ key: String, _ node: Node) -> YAMLValue {
        YAMLValue(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func sequence() throws(ScenarioError) -> [YAMLValue] {
        guard let s = node.sequence else { throw error("must be a list") }
        return s.enumerated().map { YAMLValue(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    func string() throws(ScenarioError) -> String {
        guard let s = node.scalar?.string else { throw error("must be a single value, not a list or a mapping") }
        return s
    }

    /// Decimals are read from the scalar's text, never through a binary float.
    func decimal() throws(ScenarioError) -> Decimal8 {
        let text = try string()
        do { return try Decimal8(parsing: text, field: path) } catch { throw self.error(error.message) }
    }

    func positiveDecimal() throws(ScenarioError) -> Decimal8 {
        let d = try decimal()
        guard d.isPositive else { throw error("must be greater than 0, got \(d)") }
        return d
    }

    func int(_ range: ClosedRange<Int> = 0...Int.max) throws(ScenarioError) -> Int {
        let text = try string()
        guard let i = Int(text) else { throw error("must be a whole number, got \"\(text)\"") }
        guard range.contains(i) else { throw error("must be between \(range.lowerBound) and \(range.upperBound), got \(i)") }
        return i
    }

    func uint64() throws(ScenarioError) -> UInt64 {
        let text = try string()
        guard let i = UInt64(text) else { throw error("must be a non-negative whole number, got \"\(text)\"") }
        return i
    }

    func duration() throws(ScenarioError) -> Millis {
        let text = try string()
        guard let ms = ScenarioTime.parse(text) else {
            throw error("must be a time like 0s, 250ms or 1m30s, got \"\(text)\"")
        }
        return ms
    }

    func bool() throws(ScenarioError) -> Bool {
        switch try string() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let t: throw error("must be true or false, got \"\(t)\"")
        }
    }

    func oneOf(_ names: [String]) throws(ScenarioError) -> String {
        let s = try string()
        guard names.contains(s) else { throw error("must be one of \(names.joined(separator: ", ")), got \"\(s)\"") }
        return s
    }
}

/// A mapping whose keys are checked against the ones allowed; lookups by key.
struct YAMLFields {
    let value: YAMLValue
    private(set) var entries: [(key: String, value: YAMLValue)] = []

    init(_ value: YAMLValue, allowed: [String]) throws(ScenarioError) {
        self.value = value
        guard let m = value.node.mapping else { throw value.error("must be a mapping") }
        for (k, v) in m {
            guard let key = k.scalar?.string else { throw value.error("has a key that is not text") }
            let child = value.child(key, v)
            guard allowed.contains(key) else {
                throw ScenarioError(file: value.file, line: k.mark?.line ?? child.line, path: child.path,
                                    rule: "unknown key (expected \(allowed.joined(separator: ", ")))")
            }
            entries.append((key, child))
        }
    }

    subscript(_ key: String) -> YAMLValue? { entries.first { $0.key == key }?.value }

    func required(_ key: String) throws(ScenarioError) -> YAMLValue {
        guard let v = self[key] else { throw value.error("needs \(key):") }
        return v
    }
}
