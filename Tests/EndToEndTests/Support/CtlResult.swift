import CopyTradeCore
import Foundation
import TestSupport

/// One `copyctl --json` run: its exit code, the JSON object it printed, and its raw output.
struct CtlResult: @unchecked Sendable {
    var exit: Int32
    var json: [String: Any]
    var stdout: String
    var stderr: String

    init(_ o: ChildOutput) {
        self.init(exit: o.status, stdout: o.stdout, stderr: o.timedOut ? o.stderr + "\n(killed at its time limit)" : o.stderr)
    }

    private init(exit: Int32, stdout: String, stderr: String) {
        self.exit = exit
        self.stdout = stdout
        self.stderr = stderr
        let line = stdout.split(separator: "\n").last.map(String.init) ?? ""
        json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    }

    /// No run yet (a placeholder before a loop assigns a real result).
    static let empty = CtlResult(exit: -1, stdout: "", stderr: "")

    /// A string field of the top-level object.
    func string(_ key: String) -> String? { json[key] as? String }

    var ok: Bool { exit == 0 }
    /// The refusal object (`{"error":{"code","field","message"}}`), when there is one.
    var error: [String: Any]? { json["error"] as? [String: Any] }
    var errorField: String? { error?["field"] as? String }
    var duplicate: Bool? { json["duplicate"] as? Bool }
    var events: [[String: Any]] { json["events"] as? [[String: Any]] ?? [] }
    var positions: [[String: Any]] { json["positions"] as? [[String: Any]] ?? [] }
    var accounts: [[String: Any]] { json["accounts"] as? [[String: Any]] ?? [] }

    /// A decimal field of the top-level object.
    func decimal(_ key: String) -> Decimal8? { Dec.parse(json[key]) }

    var summary: String { "exit \(exit)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Decimal strings of copyctl's JSON, read exactly.
enum Dec {
    static func parse(_ value: Any?) -> Decimal8? {
        guard let s = value as? String else { return nil }
        return try? Decimal8(parsing: s)
    }

    static func of(_ text: String) -> Decimal8 {
        // Literals in tests are well-formed; a typo should fail loudly.
        guard let d = try? Decimal8(parsing: text) else { fatalError("bad decimal literal \(text)") }
        return d
    }
}

extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) -> String? { self[key] as? String }
    func decimal(_ key: String) -> Decimal8? { Dec.parse(self[key]) }
    func int(_ key: String) -> Int64? { (self[key] as? NSNumber)?.int64Value }
}
