import Foundation
import Testing
@testable import Simulation

/// Mistakes are refused before anything runs, with file, line or key path, and the rule.
@Suite("Scenario validation", .timeLimit(.minutes(3)))
struct ValidationTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var expected: String
        var description: String { name }
    }

    static let header = """
    name: bad
    accounts:
      - {id: T1, role: trader, deposit: "1000"}
      - {id: C1, role: copier, deposit: "1000"}

    """

    static let cases: [Case] = [
        Case(name: "unknown symbol", yaml: header + """
        marks:
          FOOUSDT:
            - {at: 0s, price: "1"}
        """, expected: "bad.yaml:6: marks.FOOUSDT: unknown symbol \"FOOUSDT\""),
        Case(name: "missing trader", yaml: header + """
        follows:
          - {copier: C1, trader: T1, multiplier: "1", leverage: 10}
          - {copier: C1, trader: T9, multiplier: "1", leverage: 10}
        """, expected: "bad.yaml:7: follows[1].trader: no account \"T9\""),
        Case(name: "time going backwards", yaml: header + """
        marks:
          BTCUSDT:
            - {at: 0s, price: "20000"}
            - {at: 10s, price: "20100"}
            - {at: 5s, price: "20200"}
        """, expected: "bad.yaml:9: marks.BTCUSDT[2].at: time goes backwards: 5s comes after 10s"),
        Case(name: "malformed number", yaml: header + """
        marks:
          BTCUSDT:
            - {at: 0s, price: "20,000"}
        """, expected: "bad.yaml:7: marks.BTCUSDT[0].price: must be a decimal number, got \"20,000\""),
        Case(name: "mark off the tick", yaml: header + """
        marks:
          BTCUSDT:
            - {at: 0s, price: "20000.05"}
        """, expected: "bad.yaml:7: marks.BTCUSDT[0].price: must be a multiple of the tick 0.1, got 20000.05"),
        Case(name: "malformed time", yaml: header + """
        actions:
          - {do: deposit, at: 5 minutes, account: C1, amount: "1"}
        """, expected: "bad.yaml:6: actions[0].at: must be a time like 0s, 250ms or 1m30s, got \"5 minutes\""),
        Case(name: "unknown action", yaml: header + """
        actions:
          - {do: teleport, account: C1}
        """, expected: "bad.yaml:6: actions[0].do: must be one of"),
        Case(name: "engine key", yaml: header + """
        engine:
          reorderWindow: 500
        """, expected: "bad.yaml:6: engine.reorderWindow: unknown key"),
    ]

    @Test("refused with file, line, key path and rule; nothing written", arguments: cases)
    func refused(_ c: Case) throws {
        let dir = Paths.temporary("bad")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent("bad.yaml")
        try c.yaml.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioParser.load(path: file)
            Issue.record("\(c.name) was accepted")
        } catch {
            let text = error.description.replacingOccurrences(of: dir + "/", with: "")
            #expect(text.hasPrefix(c.expected), "\(text)")
        }
        #expect(!FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("out")))
    }

    @Test("copyctl simulate exits 1 with the message and writes no out folder")
    func commandLine() async throws {
        let dir = Paths.temporary("cli")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent("bad.yaml")
        try (Self.cases[1].yaml).write(toFile: file, atomically: true, encoding: .utf8)
        let out = (dir as NSString).appendingPathComponent("out")
        let r = try await CommandLine.copyctl(["simulate", file, "--out", out])
        #expect(r.status == 1)
        #expect(r.stderr.contains("bad.yaml:7: follows[1].trader: no account \"T9\""), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
