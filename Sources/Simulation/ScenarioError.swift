import CopyTradeCore

/// A mistake in a scenario file, found before anything runs: where (file, line, key path) and
/// the rule broken. Printed as `examples/bad.yaml:12: follows[1].trader: no account "T9"`.
public struct ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the place has no line (the file as a whole).
    public var line: Int
    /// Key path inside the file, e.g. `follows[1].trader`; empty for the file as a whole.
    public var path: String
    public var rule: String

    public init(file: String, line: Int, path: String, rule: String) {
        self.file = file
        self.line = line
        self.path = path
        self.rule = rule
    }

    /// Control characters from the file (in a key, a value or the file name) are escaped
    /// (``TerminalText``), so printing the error cannot drive the terminal.
    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return TerminalText.escaped(path.isEmpty ? "\(place): \(rule)" : "\(place): \(path): \(rule)")
    }
}
