import CopyTradeCore
import Margin
import Testing

@Suite("SPEC §3 worked examples")
struct WorkedExampleTests {
    @Test(arguments: [("1000", "18069.2"), ("2000", "16061.5"), ("2500", "15057.7")] as [(Decimal8, Decimal8)])
    func liquidationPriceOfTheReferenceLong(margin: Decimal8, expected: Decimal8) throws {
        let lp = try MarkValueModel().liquidationPrice(of: Fixture.btcLong(margin: margin), risk: Fixture.risk())
        #expect(lp?.onTick == expected)
    }

    @Test func evaluationAtEntryReportsEveryFigure() throws {
        let e = try MarkValueModel().evaluate(Fixture.btcLong(margin: "1000"), risk: Fixture.risk(), mark: "20000")
        #expect(e.entryNotional == "10000")
        #expect(e.initialMargin == "1000")
        #expect(e.maintenanceRate == MaintenanceRate(mmr: "0.00333333", cum: .zero))
        #expect(e.feeRate == "0.0005")
        #expect(e.liquidationPrice == LiquidationPrice(exact: "18069.26545735", onTick: "18069.2"))
        #expect(e.bankruptcyPrice == "18000")
        let m = try #require(e.atMark)
        // MR = 0.5*20000*(0.00333333 + 0.0005) = 38.3333
        #expect(m.maintenanceRequirement == "38.3333")
        #expect(m.unrealizedPnL == .zero)
        #expect(m.marginBalance == "1000")
        #expect(m.riskRate == .finite("0.0383333"))
        #expect(m.isLiquidatable == false)
        // min(1000 - 38.3333, 1000 + 0 - 10000/10) = 0
        #expect(m.maxReducibleMargin == .zero)
    }

    @Test func evaluationWithoutMarkLeavesMarkFiguresOut() throws {
        let e = try MarkValueModel().evaluate(Fixture.btcLong(margin: "1000"), risk: Fixture.risk(), mark: nil)
        #expect(e.atMark == nil)
        #expect(e.liquidationPrice?.onTick == "18069.2")
    }

    @Test func reducibleMarginInProfit() throws {
        // At 22000 with margin 2000: U = 1000, MR = 0.5*22000*0.00383333 = 42.16663 (up),
        // min(2000 - 42.16663, 3000 - 1100) = 1900.
        let m = try MarkValueModel().maxReducibleMargin(of: Fixture.btcLong(margin: "2000"), risk: Fixture.risk(), at: "22000")
        #expect(m == "1900")
    }

    @Test func liquidationIsDecidedExactlyAroundTheThreshold() throws {
        let position = Fixture.btcLong(margin: "1000")
        let model = MarkValueModel()
        #expect(try model.isLiquidatable(position, risk: Fixture.risk(), at: "18069.26545735"))
        #expect(try !model.isLiquidatable(position, risk: Fixture.risk(), at: "18069.26545737"))
        // The shown tick price liquidates; the next tick up does not.
        #expect(try model.isLiquidatable(position, risk: Fixture.risk(), at: "18069.2"))
        #expect(try !model.isLiquidatable(position, risk: Fixture.risk(), at: "18069.3"))
    }

    @Test func longBackedByItsWholeValueHasNoLiquidationPrice() throws {
        let position = Fixture.btcLong(margin: "10000", leverage: 1)
        #expect(try MarkValueModel().liquidationPrice(of: position, risk: Fixture.risk()) == nil)
        #expect(try MarkValueModel().bankruptcyPrice(of: position, risk: Fixture.risk()) == nil)
        let short = Fixture.btcLong(margin: "10000", side: .short, leverage: 1)
        #expect(try MarkValueModel().bankruptcyPrice(of: short, risk: Fixture.risk()) == "40000")
    }

    @Test func zeroBalanceIsInfiniteRisk() throws {
        let position = Fixture.btcLong(margin: "1000")
        #expect(try MarkValueModel().riskRate(of: position, risk: Fixture.risk(), at: "18000") == .infinite)
        #expect(try MarkValueModel().isLiquidatable(position, risk: Fixture.risk(), at: "18000"))
        #expect(try MarkValueModel().marginBalance(of: position, risk: Fixture.risk(), at: "17000") == "-500")
    }

    /// Tier 5 (mmr 0.05, cum 349500.001) at 2x: the requirement is still negative at the
    /// bankruptcy price, so a zero balance liquidates first. SPEC's formula alone would say
    /// 49617.1, a price the position cannot reach with margin left.
    @Test func liquidationPriceNeverLiesBeyondBankruptcy() throws {
        let position = Fixture.btcLong(margin: "6050000", quantity: "121", entry: "100000", leverage: 2)
        let model = MarkValueModel()
        let risk = try Fixture.risk()
        #expect(try model.liquidationPrice(of: position, risk: risk) == LiquidationPrice(exact: "50000", onTick: "50000"))
        #expect(try model.bankruptcyPrice(of: position, risk: risk) == "50000")
        #expect(try model.isLiquidatable(position, risk: risk, at: "50000"))
        #expect(try !model.isLiquidatable(position, risk: risk, at: "50000.1"))
    }
}
