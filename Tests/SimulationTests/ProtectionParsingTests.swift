import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
@testable import Simulation

/// Copier protections, trader limits and profit sharing in scenario files (docs/scenarios.md):
/// every key read into the scenario and the coordinator's inputs, every bad value refused naming
/// the key and the entry.
@Suite("Scenario protections: parsing", .timeLimit(.minutes(3)))
struct ProtectionParsingTests {
    static let header = """
    name: p
    accounts:
      - {id: T1, role: trader, deposit: "10000"}
      - {id: T2, role: trader, deposit: "10000", profitShareRatio: "0.1", maxCopiers: 3}
      - {id: C1, role: copier, deposit: "5000"}
      - {id: D, role: copier, deposit: "5000", count: 2}

    """

    static func parse(_ yaml: String) throws(ScenarioError) -> Scenario {
        try ScenarioParser.parse(yaml, file: "p.yaml", base: ".")
    }

    static func refusal(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error.description
        }
    }

    static func input(_ a: ScriptedAction) throws -> Copytrade_V1_Input {
        try ScenarioInputs.action(a, atMs: Scenario.epochMs + a.at) { _ in "20000" }
    }

    @Test("a follow's protections and limits reach the follow request")
    func followKeys() throws {
        let s = try Self.parse(Self.header + """
        follows:
          - {copier: C1, trader: T1, multiplier: "0.25", leverage: 10, tpRatio: "0.5", slRatio: "0.3", stopLossAmount: "100",
             closePolicy: detach, symbols: [BTCUSDT, ETHUSDT], maxDailyMargin: "1000", copyOpenPositions: true}
          - {copier: D, count: 2, trader: T2, multiplier: "1", leverage: 10, closePolicy: market, symbols: SOLUSDT, slRatio: "0.2"}
        actions:
          - {do: follow, at: 5s, copier: C1, trader: T2, fixedMargin: "100", leverage: 5, tpRatio: "1"}
        """)
        guard case .follow(let f) = s.actions[0].kind else { Issue.record("\(s.actions[0].kind)"); return }
        #expect(f.takeProfitRatio == "0.5")
        #expect(f.stopLossRatio == "0.3")
        #expect(f.stopLossAmount == "100")
        #expect(f.closePolicy == .detach)
        #expect(f.symbols == ["BTCUSDT", "ETHUSDT"])
        #expect(f.maxDailyMargin == "1000")
        #expect(f.copyOpenPositions)
        let r = try Self.input(s.actions[0]).follow
        #expect(r.hasTpRatio_p && r.tpRatioE8 == 50_000_000)
        #expect(r.hasSlRatio_p && r.slRatioE8 == 30_000_000)
        #expect(r.hasStopLossAmount_p && r.stopLossAmountE8 == 10_000_000_000)
        #expect(r.closePolicy == .detach)
        #expect(r.symbols == ["BTCUSDT", "ETHUSDT"])
        #expect(r.hasMaxDailyMargin_p && r.maxDailyMarginE8 == 100_000_000_000)
        #expect(r.copyOpenPositions)
        #expect(r.multiplierE8 == 25_000_000 && r.leverage == 10)

        // count: the same settings for every copier.
        for a in s.actions[1...2] {
            guard case .follow(let g) = a.kind else { Issue.record("\(a.kind)"); continue }
            #expect(g.closePolicy == .market && g.symbols == ["SOLUSDT"] && g.stopLossRatio == "0.2" && g.takeProfitRatio == nil)
            let r = try Self.input(a).follow
            #expect(!r.hasTpRatio_p && r.hasSlRatio_p && !r.hasStopLossAmount_p && !r.hasMaxDailyMargin_p && !r.copyOpenPositions)
        }
        #expect(s.actions[1...2].map { if case .follow(let g) = $0.kind { g.copier } else { "" } } == ["D1", "D2"])

        // Absent: off, and the request says so.
        let plain = try Self.input(s.actions[3]).follow
        #expect(plain.hasTpRatio_p && plain.tpRatioE8 == 100_000_000)
        #expect(!plain.hasSlRatio_p && plain.closePolicy == .unspecified && plain.symbols.isEmpty && plain.mode == .fixed)
    }

    @Test("a trader's profitShareRatio and maxCopiers are set up after funding, before the timeline")
    func accountKeys() async throws {
        let s = try Self.parse(Self.header)
        let t2 = try #require(s.accounts.first { $0.id == "T2" })
        #expect(t2.profitShareRatio == "0.1")
        #expect(t2.maxCopiers == 3)
        #expect(s.accounts.first { $0.id == "T1" }?.profitShareRatio == nil)

        let dir = Paths.temporary("setup")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await SimulationRunner().run(s, outDirectory: dir)
        let keys = r.events.filter { $0.accountID == "T2" }.map(\.inputKey)
        #expect(keys == ["setup:create:T2", "setup:deposit:T2", "setup:account:T2"])
        let changed = try #require(r.events.first { $0.kind == "account.settings_changed" })
        #expect(changed.accountID == "T2")
        #expect(r.events.firstIndex { $0.inputKey == "setup:account:T2" }! < r.events.firstIndex { $0.inputKey == "setup:create:C1" }!)
    }

    @Test("setRelation, setAccount, settle and unfollow's closePolicy become their inputs")
    func actionKeys() throws {
        let s = try Self.parse(Self.header + """
        follows:
          - {copier: C1, trader: T1, multiplier: "1", leverage: 10}
        actions:
          - {do: setRelation, at: 1s, copier: C1, trader: T1, tpRatio: "0.4", multiplier: "2", closePolicy: market,
             symbols: [BTCUSDT], autoMargin: "50", clear: [slRatio, maxDailyMargin]}
          - {do: setRelation, at: 2s, copier: C1, trader: T1, clear: stopLossAmount}
          - {do: setRelation, at: 3s, copier: D, count: 2, trader: T1, fixedMargin: "100", leverage: 20}
          - {do: setAccount, at: 4s, account: T1, profitShareRatio: "0.2", maxCopiers: 10}
          - {do: setAccount, at: 5s, account: T2, clear: [maxCopiers]}
          - {do: settle, at: 6s, trader: T1}
          - {do: settle, at: 7s}
          - {do: unfollow, at: 8s, copier: C1, trader: T1, closePolicy: detach}
          - {do: unfollow, at: 9s, copier: C1, trader: T2}
        """)
        let inputs = try s.actions.map(Self.input)
        let a = inputs[1].setRelation
        #expect(a.copierID == "C1" && a.traderID == "T1" && a.atMs == Scenario.epochMs + 1_000)
        // In the request's order and names: autoMargin is autoMarginAmount.
        #expect(a.fields == ["multiplier", "autoMarginAmount", "tpRatio", "closePolicy", "symbols"])
        #expect(a.clear == ["slRatio", "maxDailyMargin"])
        #expect(a.settings.mode == .proportional && a.settings.multiplierE8 == 200_000_000)
        #expect(a.settings.hasTpRatio_p && a.settings.tpRatioE8 == 40_000_000)
        #expect(a.settings.closePolicy == .market && a.settings.symbols == ["BTCUSDT"] && a.settings.autoMarginAmountE8 == 5_000_000_000)
        #expect(a.settings.copierID == "C1" && a.settings.traderID == "T1")
        let b = inputs[2].setRelation
        #expect(b.fields.isEmpty && b.clear == ["stopLossAmount"])
        for (i, c) in ["D1", "D2"].enumerated() {
            let r = inputs[3 + i].setRelation
            #expect(r.copierID == c && r.fields == ["fixedMargin", "leverage"] && r.settings.mode == .fixed)
            #expect(r.settings.fixedMarginE8 == 10_000_000_000 && r.settings.leverage == 20)
        }
        let acc = inputs[5].setAccount
        #expect(acc.accountID == "T1" && acc.hasProfitShareRatio_p && acc.profitShareRatioE8 == 20_000_000)
        #expect(acc.hasMaxCopiers_p && acc.maxCopiers == 10 && acc.clear.isEmpty)
        let clear = inputs[6].setAccount
        #expect(!clear.hasMaxCopiers_p && !clear.hasProfitShareRatio_p && clear.clear == ["maxCopiers"])
        #expect(inputs[7].settle.traderID == "T1" && !inputs[7].settle.scheduled)
        #expect(inputs[8].settle.traderID == "" && inputs[8].settle.atMs == Scenario.epochMs + 7_000)
        #expect(inputs[9].unfollow.closePolicy == .detach)
        #expect(inputs[10].unfollow.closePolicy == .unspecified)
        #expect(s.actions.map(\.summary)[1...] == [
            "setRelation C1 T1 multiplier,autoMarginAmount,tpRatio,closePolicy,symbols clear slRatio,maxDailyMargin",
            "setRelation C1 T1 clear stopLossAmount", "setRelation D1 T1 fixedMargin,leverage", "setRelation D2 T1 fixedMargin,leverage",
            "setAccount T1 profitShareRatio 0.2 maxCopiers 10", "setAccount T2 clear maxCopiers", "settle T1", "settle all",
            "unfollow C1 T1 closePolicy detach", "unfollow C1 T2",
        ])
    }

    @Test("automargin=off strips the auto-margin setting from setRelation too")
    func compareStripsSetRelation() throws {
        let s = try Self.parse(Self.header + """
        actions:
          - {do: setRelation, at: 1s, copier: C1, trader: T1, autoMargin: "50"}
          - {do: setRelation, at: 2s, copier: C1, trader: T1, autoMargin: "50", tpRatio: "1"}
          - {do: setRelation, at: 3s, copier: C1, trader: T1, clear: [autoMargin]}
        """)
        let off = try #require(Comparison(parsing: "automargin=on,off").variants(of: s).last?.scenario)
        #expect(off.actions.count == 1)
        guard case .setRelation(let r) = off.actions.first?.kind else { Issue.record("\(off.actions)"); return }
        #expect(r.fields == ["tpRatio"] && r.clear.isEmpty)
    }

    @Test("engine.settlementSchedule is the coordinator config's key; the preset is still checked beside it")
    func presetBesideOtherKeys() {
        #expect(Self.refusal(Self.header + "engine:\n  preset: nope\n  reorderWindowMs: 500\n")?.contains("p.yaml:8: engine.preset:") == true)
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var yaml: String
        var expected: String
        var description: String { name }
    }

    static func follow(_ fields: String) -> String { header + "follows:\n  - {copier: C1, trader: T1, multiplier: \"1\", leverage: 10, \(fields)}\n" }
    static func action(_ fields: String) -> String {
        header + "follows:\n  - {copier: C1, trader: T1, multiplier: \"1\", leverage: 10}\nactions:\n  - {at: 1s, \(fields)}\n"
    }

    static let cases: [Case] = [
        Case(name: "tpRatio zero", yaml: follow("tpRatio: \"0\""), expected: "p.yaml:8: follows[0].tpRatio: must be greater than 0, got 0"),
        Case(name: "slRatio negative", yaml: follow("slRatio: \"-0.3\""), expected: "p.yaml:8: follows[0].slRatio: must be greater than 0, got -0.3"),
        Case(name: "slRatio not a number", yaml: follow("slRatio: 30%"), expected: "p.yaml:8: follows[0].slRatio: must be a decimal number"),
        Case(name: "stopLossAmount zero", yaml: follow("stopLossAmount: \"0\""), expected: "p.yaml:8: follows[0].stopLossAmount: must be greater than 0"),
        Case(name: "closePolicy unknown", yaml: follow("closePolicy: sell"),
             expected: "p.yaml:8: follows[0].closePolicy: must be one of follow, market, detach, got \"sell\""),
        Case(name: "symbols unknown", yaml: follow("symbols: [BTCUSDT, FOOUSDT]"), expected: "p.yaml:8: follows[0].symbols[1]: unknown symbol \"FOOUSDT\""),
        Case(name: "symbols twice", yaml: follow("symbols: [BTCUSDT, BTCUSDT]"), expected: "p.yaml:8: follows[0].symbols[1]: lists BTCUSDT twice"),
        Case(name: "symbols empty", yaml: follow("symbols: []"), expected: "p.yaml:8: follows[0].symbols: must list at least one symbol"),
        Case(name: "maxDailyMargin zero", yaml: follow("maxDailyMargin: \"0\""), expected: "p.yaml:8: follows[0].maxDailyMargin: must be greater than 0"),
        Case(name: "copyOpenPositions not a bool", yaml: follow("copyOpenPositions: maybe"),
             expected: "p.yaml:8: follows[0].copyOpenPositions: must be true or false, got \"maybe\""),
        Case(name: "count follow with a bad tpRatio", yaml: header + "follows:\n  - {copier: D, count: 2, trader: T1, multiplier: \"1\", leverage: 10, tpRatio: x}\n",
             expected: "p.yaml:8: follows[0].tpRatio: must be a decimal number"),
        Case(name: "do: follow with a bad closePolicy", yaml: action("do: follow, copier: D1, trader: T1, multiplier: \"1\", leverage: 10, closePolicy: 1"),
             expected: "p.yaml:10: actions[0].closePolicy: must be one of follow, market, detach"),
        Case(name: "profitShareRatio above 0.5", yaml: header.replacingOccurrences(of: "profitShareRatio: \"0.1\"", with: "profitShareRatio: \"0.6\""),
             expected: "p.yaml:4: accounts[1].profitShareRatio: must be between 0 and 0.5, got 0.6"),
        Case(name: "profitShareRatio negative", yaml: header.replacingOccurrences(of: "profitShareRatio: \"0.1\"", with: "profitShareRatio: \"-0.1\""),
             expected: "p.yaml:4: accounts[1].profitShareRatio: must be between 0 and 0.5, got -0.1"),
        Case(name: "maxCopiers zero", yaml: header.replacingOccurrences(of: "maxCopiers: 3", with: "maxCopiers: 0"),
             expected: "p.yaml:4: accounts[1].maxCopiers: must be between 1 and 2147483647, got 0"),
        Case(name: "profitShareRatio on a copier", yaml: header.replacingOccurrences(of: "{id: C1, role: copier, deposit: \"5000\"}",
                                                                                       with: "{id: C1, role: copier, profitShareRatio: \"0.1\"}"),
             expected: "p.yaml:5: accounts[2].profitShareRatio: only a trader account takes profitShareRatio (this one is a copier)"),
        Case(name: "maxCopiers on copiers made by count", yaml: header.replacingOccurrences(of: "count: 2}", with: "count: 2, maxCopiers: 1}"),
             expected: "p.yaml:6: accounts[3].maxCopiers: only a trader account takes maxCopiers"),
        Case(name: "setRelation with nothing to change", yaml: action("do: setRelation, copier: C1, trader: T1"),
             expected: "p.yaml:10: actions[0]: needs a setting to change (multiplier, fixedMargin, leverage"),
        Case(name: "setRelation with multiplier and fixedMargin", yaml: action("do: setRelation, copier: C1, trader: T1, multiplier: \"1\", fixedMargin: \"5\""),
             expected: "p.yaml:10: actions[0].fixedMargin: give multiplier: or fixedMargin:, not both"),
        Case(name: "setRelation with a bad tpRatio", yaml: action("do: setRelation, copier: C1, trader: T1, tpRatio: \"0\""),
             expected: "p.yaml:10: actions[0].tpRatio: must be greater than 0, got 0"),
        Case(name: "setRelation with a bad leverage", yaml: action("do: setRelation, copier: C1, trader: T1, leverage: 0"),
             expected: "p.yaml:10: actions[0].leverage: must be between 1 and 1000, got 0"),
        Case(name: "setRelation clears an unknown setting", yaml: action("do: setRelation, copier: C1, trader: T1, clear: [leverage]"),
             expected: "p.yaml:10: actions[0].clear[0]: must be one of slippage, maxMarginPerOrder, maxTotalMargin, autoMargin, tpRatio"),
        Case(name: "setRelation gives and clears a setting", yaml: action("do: setRelation, copier: C1, trader: T1, tpRatio: \"1\", clear: [tpRatio]"),
             expected: "p.yaml:10: actions[0].clear[0]: tpRatio is both given and cleared; choose one"),
        Case(name: "setRelation clears twice", yaml: action("do: setRelation, copier: C1, trader: T1, clear: [symbols, symbols]"),
             expected: "p.yaml:10: actions[0].clear[1]: names symbols twice"),
        Case(name: "setRelation copyOpenPositions", yaml: action("do: setRelation, copier: C1, trader: T1, copyOpenPositions: true"),
             expected: "p.yaml:10: actions[0].copyOpenPositions: unknown key"),
        Case(name: "setRelation with a trader as copier", yaml: action("do: setRelation, copier: T2, trader: T1, tpRatio: \"1\""),
             expected: "p.yaml:10: actions[0].copier: \"T2\" is a trader, not a copier"),
        Case(name: "setAccount on a copier", yaml: action("do: setAccount, account: C1, maxCopiers: 2"),
             expected: "p.yaml:10: actions[0].account: \"C1\" is a copier, not a trader"),
        Case(name: "setAccount with nothing", yaml: action("do: setAccount, account: T1"),
             expected: "p.yaml:10: actions[0]: needs profitShareRatio:, maxCopiers: or clear:"),
        Case(name: "setAccount ratio too high", yaml: action("do: setAccount, account: T1, profitShareRatio: \"0.51\""),
             expected: "p.yaml:10: actions[0].profitShareRatio: must be between 0 and 0.5, got 0.51"),
        Case(name: "setAccount clears something else", yaml: action("do: setAccount, account: T1, clear: [profitShareRatio]"),
             expected: "p.yaml:10: actions[0].clear[0]: must be one of maxCopiers, got \"profitShareRatio\""),
        Case(name: "setAccount sets and clears maxCopiers", yaml: action("do: setAccount, account: T1, maxCopiers: 2, clear: [maxCopiers]"),
             expected: "p.yaml:10: actions[0].clear[0]: maxCopiers is both given and cleared; choose one"),
        Case(name: "settle a copier", yaml: action("do: settle, trader: C1"), expected: "p.yaml:10: actions[0].trader: \"C1\" is a copier, not a trader"),
        Case(name: "settle an unknown trader", yaml: action("do: settle, trader: T9"), expected: "p.yaml:10: actions[0].trader: no account \"T9\""),
        Case(name: "settle with an unknown key", yaml: action("do: settle, account: T1"), expected: "p.yaml:10: actions[0].account: unknown key (expected do, at, deliverAt, lost, trader)"),
        Case(name: "unfollow closePolicy unknown", yaml: action("do: unfollow, copier: C1, trader: T1, closePolicy: close"),
             expected: "p.yaml:10: actions[0].closePolicy: must be one of follow, market, detach, got \"close\""),
    ]

    @Test("refused naming the key and the entry", arguments: cases)
    func refused(_ c: Case) {
        let text = Self.refusal(c.yaml)
        #expect(text?.hasPrefix(c.expected) == true, "\(text ?? "accepted")")
    }
}
