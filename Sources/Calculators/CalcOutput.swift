import CopyTradeCore

/// A calculator's answer: ordered fields rendered either as aligned text for people or as one
/// JSON object for programs (`--json`). Decimals are rendered as strings so no reader ever
/// parses a money value into a float.
public struct CalcOutput: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable {
        case decimal(Decimal8)
        case text(String)
        case bool(Bool)
        case integer(Int64)
        case null
        case list([CalcOutput])
        case object(CalcOutput)
    }

    public private(set) var fields: [(key: String, value: Value)] = []

    public init() {}

    public static func == (a: CalcOutput, b: CalcOutput) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public mutating func add(_ key: String, _ value: Value) { fields.append((key, value)) }
    public mutating func add(_ key: String, _ value: Decimal8) { add(key, .decimal(value)) }
    public mutating func add(_ key: String, _ value: Decimal8?) { add(key, value.map(Value.decimal) ?? .null) }
    public mutating func add(_ key: String, _ value: String) { add(key, .text(value)) }
    public mutating func add(_ key: String, _ value: Bool) { add(key, .bool(value)) }

    public subscript(key: String) -> Value? { fields.first { $0.key == key }?.value }

    /// One JSON object on one line.
    public var json: String {
        "{" + fields.map { "\(JSONText.quoted($0.key)):\(Self.json($0.value))" }.joined(separator: ",") + "}"
    }

    /// `key  value` lines, keys padded to a column; lists as indented blocks.
    public func text(indent: String = "") -> String {
        let width = fields.map(\.key.count).max() ?? 0
        var lines: [String] = []
        for (key, value) in fields {
            let pad = String(repeating: " ", count: width - key.count)
            switch value {
            case .object(let o):
                lines.append("\(indent)\(key):")
                lines.append(o.text(indent: indent + "  "))
            case .list(let items):
                lines.append("\(indent)\(key):")
                for (i, item) in items.enumerated() {
                    lines.append("\(indent)  [\(i + 1)]")
                    lines.append(item.text(indent: indent + "    "))
                }
            default:
                lines.append("\(indent)\(key)\(pad)  \(Self.plain(value))")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func plain(_ v: Value) -> String {
        switch v {
        case .decimal(let d): return d.description
        case .text(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        case .integer(let i): return String(i)
        case .null: return "-"
        case .list(let l): return "\(l.count) items"
        case .object(let o): return o.json
        }
    }

    static func json(_ v: Value) -> String {
        switch v {
        case .decimal(let d): return JSONText.quoted(d.description)
        case .text(let s): return JSONText.quoted(s)
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .null: return "null"
        case .list(let l): return "[" + l.map(\.json).joined(separator: ",") + "]"
        case .object(let o): return o.json
        }
    }
}
