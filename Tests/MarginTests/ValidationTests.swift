import CopyTradeCore
import Margin
import Pricing
import Testing

/// Bad input is refused with the field named, never computed with.
@Suite("Input validation")
struct ValidationTests {
    static func field(_ body: () throws(DomainError) -> Void) -> String? {
        do { try body(); return nil } catch { return error.field }
    }

    @Test(arguments: [
        (Fixture.btcLong(margin: "1000", quantity: .zero), "quantity"),
        (Fixture.btcLong(margin: "1000", quantity: "-0.5"), "quantity"),
        (Fixture.btcLong(margin: "1000", entry: .zero), "entryPrice"),
        (Fixture.btcLong(margin: "-1"), "margin"),
        (Fixture.btcLong(margin: "1000", leverage: 151), "leverage"),
        (Fixture.btcLong(margin: "1000", leverage: 0), "leverage"),
        (Fixture.btcLong(margin: .zero), "margin"),
    ])
    func badPositionNamesTheField(position: PositionState, field: String) throws {
        let risk = try Fixture.risk()
        #expect(Self.field { () throws(DomainError) in _ = try MarkValueModel().evaluate(position, risk: risk, mark: "20000") } == field)
        #expect(Self.field { () throws(DomainError) in _ = try EntryValueModel().liquidationPrice(of: position, risk: risk) } == field)
    }

    @Test func leverageErrorStatesTheMaximum() throws {
        let risk = try Fixture.risk()
        do {
            _ = try MarkValueModel().evaluate(Fixture.btcLong(margin: "1", leverage: 200), risk: risk, mark: nil)
            Issue.record("accepted leverage 200")
        } catch {
            #expect(error.field == "leverage")
            #expect(error.message.contains("150"))
        }
    }

    @Test(arguments: [Decimal8.zero, "-20000"])
    func nonPositiveMarkIsRefused(mark: Decimal8) throws {
        let risk = try Fixture.risk()
        #expect(Self.field { () throws(DomainError) in _ = try MarkValueModel().evaluate(Fixture.btcLong(margin: "1000"), risk: risk, mark: mark) } == "mark")
        #expect(Self.field { () throws(DomainError) in _ = try MarkValueModel().isLiquidatable(Fixture.btcLong(margin: "1000"), risk: risk, at: mark) } == "mark")
    }

    @Test func unknownPresetListsTheValidOnes() {
        do { _ = try MarginPreset(parsing: "kraken"); Issue.record("accepted") } catch {
            #expect(error.field == "preset")
            #expect(error.message.contains("bingx, binance, okx, bybit, hyperliquid"))
        }
    }

    @Test func unknownSymbolNamesSymbol() {
        #expect(Self.field { () throws(DomainError) in _ = try Market.builtIn.spec(for: "BTCUSD") } == "symbol")
    }

    @Test(arguments: [
        (RiskOverrides(mmr: "-0.01"), "mmr"), (RiskOverrides(cum: "-1"), "cum"),
        (RiskOverrides(feeRate: "1"), "feeRate"), (RiskOverrides(mmr: "0.9999", feeRate: "0.0005"), "mmr"),
    ])
    func badOverridesNameTheField(overrides: RiskOverrides, field: String) throws {
        let spec = try Market.builtIn.spec(for: "BTCUSDT")
        #expect(Self.field { () throws(DomainError) in _ = try riskParameters(for: spec, preset: .bingx, overrides: overrides) } == field)
    }

    @Test func crossPositionIsNotEvaluatedAsIsolated() throws {
        var position = Fixture.btcLong(margin: "0")
        position.mode = .cross
        let risk = try Fixture.risk()
        #expect(Self.field { () throws(DomainError) in _ = try MarkValueModel().evaluate(position, risk: risk, mark: nil) } == "mode")
        #expect(Self.field { () throws(DomainError) in
            _ = try AutoMarginWalk(position: position, risk: risk, available: "1", strategy: MarkValueModel(), policy: NoAutoMargin())
        } == "mode")
    }

    @Test func negativeAvailableIsRefused() throws {
        let risk = try Fixture.risk()
        #expect(Self.field { () throws(DomainError) in
            _ = try AutoMarginWalk(position: Fixture.btcLong(margin: "1000"), risk: risk, available: "-1",
                                   strategy: MarkValueModel(), policy: NoAutoMargin())
        } == "available")
    }
}
