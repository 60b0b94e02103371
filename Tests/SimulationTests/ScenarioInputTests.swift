import CopyTradeCore
import Foundation
import Testing
@testable import Simulation

/// Bad scenario input the validators used to let through: symbols carrying markup, repeated keys,
/// a list as description, control characters echoed in errors, and scenarios too big to run.
@Suite("Scenario input rules", .timeLimit(.minutes(3)))
struct ScenarioInputTests {
    static let header = """
    name: bad
    accounts:
      - {id: T1, role: trader, deposit: "1000"}
      - {id: C1, role: copier, deposit: "1000"}

    """

    /// Loads `yaml` as `bad.yaml` in a fresh folder; the error's text with the folder removed.
    static func refusal(_ yaml: String) throws -> String? {
        let dir = Paths.temporary("input")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent("bad.yaml")
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        do {
            _ = try ScenarioParser.load(path: file)
            return nil
        } catch {
            return error.description.replacingOccurrences(of: dir + "/", with: "")
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var expected: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "symbol with markup in markets", yaml: header + """
        markets:
          symbols:
            "<img src=x onerror=alert(1)>": {tickSize: "0.1", stepSize: "0.001", minQuantity: "0.001", minNotional: "5", maxLeverage: 10, takerFeeRate: "0", makerFeeRate: "0", slippage: "0", tiers: [{notionalCeiling: "1000000", mmr: "0.01"}]}
        """, expected: "bad.yaml:7: markets.symbols.<img src=x onerror=alert(1)>: may contain only uppercase letters A-Z and digits"),
        Case(name: "symbol as a formula", yaml: header + """
        markets:
          symbols:
            "=HYPERLINK(\\"http://x\\")": {tickSize: "0.1", stepSize: "0.001", minQuantity: "0.001", minNotional: "5", maxLeverage: 10, takerFeeRate: "0", makerFeeRate: "0", slippage: "0", tiers: [{notionalCeiling: "1000000", mmr: "0.01"}]}
        """, expected: "bad.yaml:7: markets.symbols.=HYPERLINK(\"http://x\"): may contain only uppercase letters"),
        Case(name: "duplicate key in a flow mapping", yaml: """
        accounts:
          - {id: T1, role: trader, deposit: "1000", deposit: "5"}
        """, expected: "bad.yaml:2: accounts[0].deposit: duplicate key \"deposit\" (first at line 2); each key may appear once"),
        Case(name: "duplicate top-level section", yaml: header + """
        accounts:
          - {id: T2, role: trader}
        """, expected: "bad.yaml:5: accounts: duplicate key \"accounts\" (first at line 2)"),
        Case(name: "duplicate mark symbol", yaml: header + """
        marks:
          BTCUSDT:
            - {at: 0s, price: "20000"}
          BTCUSDT:
            - {at: 0s, price: "1"}
        """, expected: "bad.yaml:8: marks.BTCUSDT: duplicate key \"BTCUSDT\" (first at line 6)"),
        Case(name: "description as a list", yaml: """
        description: [a, b]
        accounts:
          - {id: T1, role: trader}
        """, expected: "bad.yaml:1: description: must be a single value, not a list or a mapping"),
        Case(name: "too many accounts", yaml: """
        accounts:
          - {id: T, role: trader, count: 10001}
        """, expected: "bad.yaml:2: accounts[0].count: must be between 1 and 10000, got 10001"),
        Case(name: "too many accounts over several entries", yaml: """
        accounts:
          - {id: T, role: trader, count: 6000}
          - {id: C, role: copier, count: 6000}
        """, expected: "bad.yaml:3: accounts[1].count: accounts (count: expanded) must be at most 10000 per scenario, got 12000; see Limits in docs/scenarios.md"),
        Case(name: "random walk too long", yaml: header + """
        marks:
          BTCUSDT:
            randomWalk: {seed: 1, start: "20000", points: 10000000, intervalMs: 1000, volatility: "0.001"}
        """, expected: "bad.yaml:7: marks.BTCUSDT.randomWalk.points: must be between 1 and 100000, got 10000000"),
        Case(name: "too many steps together", yaml: header + """
        marks:
          BTCUSDT:
            randomWalk: {seed: 1, start: "20000", points: 60000, intervalMs: 1000, volatility: "0.001"}
          ETHUSDT:
            randomWalk: {seed: 2, start: "1500", points: 60000, intervalMs: 1000, volatility: "0.001"}
        """, expected: "bad.yaml: steps (120000 mark points + 0 actions) must be at most 100000 per scenario, got 120000; see Limits in docs/scenarios.md"),
        Case(name: "too many copy relations", yaml: """
        accounts:
          - {id: T1, role: trader}
          - {id: T2, role: trader}
          - {id: C, role: copier, count: 5001}
        follows:
          - {copier: C, count: 5001, trader: T1, multiplier: "1", leverage: 10}
          - {copier: C, count: 5001, trader: T2, multiplier: "1", leverage: 10}
        """, expected: "bad.yaml:7: follows[1]: copy relations (follows, count: expanded) must be at most 10000 per scenario, got 10001"),
        Case(name: "too many copied inputs", yaml: """
        accounts:
          - {id: T1, role: trader, deposit: "1000000"}
          - {id: C, role: copier, count: 5000}
        follows:
          - {copier: C, count: 5000, trader: T1, multiplier: "1", leverage: 10}
        actions:
        """ + (0..<21).map { "\n  - {do: marginAdd, at: \($0)s, account: T1, symbol: BTCUSDT, amount: \"1\"}" }.joined(),
             expected: "bad.yaml:27: actions[20]: copied inputs (each trader action times the trader's followers, summed up to here) must be at most 100000 per scenario, got 105000"),
        Case(name: "control characters in a refused value", yaml: """
        accounts:
          - {id: "T\\e[2J\\u202E", role: trader}
        """, expected: "bad.yaml:2: accounts[0].id: may contain only letters, digits, '-', '_' and '.', got \"T\\u{1B}[2J\\u{202E}\""),
    ]

    @Test("refused with file, line, key path and rule", arguments: cases)
    func refused(_ c: Case) throws {
        let text = try Self.refusal(c.yaml)
        #expect(text?.hasPrefix(c.expected) == true, "\(text ?? "accepted")")
        #expect(text?.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) } != true)
    }

    @Test("a description is free text, read as it is")
    func descriptionRead() throws {
        let dir = Paths.temporary("desc")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent("d.yaml")
        try "description: two words\naccounts:\n  - {id: T1, role: trader}\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try ScenarioParser.load(path: file).description == "two words")
    }

    @Test("a file of nested aliases is refused before it is expanded")
    func aliasBomb() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let text = try Self.refusal(yaml)
        #expect(text?.contains("the file has more than 4000000 values (aliases expanded)") == true, "\(text ?? "accepted")")
    }

    @Test("copyctl simulate prints the refusal with control characters escaped")
    func commandLineEscapes() async throws {
        let dir = Paths.temporary("ctl")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = (dir as NSString).appendingPathComponent("bad.yaml")
        try "accounts:\n  - {id: \"A\\e]0;pwned\\a\", role: trader}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try await CommandLine.copyctl(["simulate", file, "--out", (dir as NSString).appendingPathComponent("out")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("got \"A\\u{1B}]0;pwned\\u{7}\""), "\(r.stderr)")
        #expect(!r.stderr.unicodeScalars.contains("\u{1B}"))
    }
}
