import CopyTradeCore
import Margin
import Testing

/// Issue 9: the liquidation price on the tick is rounded once from the exact quotient, capped at
/// the bankruptcy price; an isolated position needs margin; the effective leverage is exact; and
/// figures of large positions whose intermediates outgrow 128 bits are computed, not refused.
@Suite("Margin: one rounding, margin and leverage rules, large positions")
struct OneRoundingTests {
    /// One tier, the given rates; maximum leverage 1000 unless said (as `copyctl calc liq`).
    static func risk(mmr: Decimal8, cum: Decimal8 = .zero, fee: Decimal8, tick: Decimal8 = "0.1",
                     maxLeverage: Int = 1000) -> RiskParameters {
        RiskParameters(tiers: [MaintenanceTier(notionalCeiling: .max, mmr: mmr, cum: cum)], feeRate: fee,
                       maxLeverage: maxLeverage, tickSize: tick)
    }

    /// The issue's repro: the exact price is 18069.19999999999...; half-even to 8 places is
    /// 18069.2, where the position is not liquidatable. Shown once-rounded: 18069.1.
    @Test func liquidationPriceIsRoundedOnceToTheTick() throws {
        let position = PositionState(symbol: "X", side: .long, quantity: "1000", entryPrice: "20000",
                                     margin: "2000065.20643601", leverage: 10)
        let risk = Self.risk(mmr: "0.00333333", fee: "0.0005")
        let model = MarkValueModel()
        let lp = try #require(try model.liquidationPrice(of: position, risk: risk))
        #expect(lp == LiquidationPrice(exact: "18069.19999999", onTick: "18069.1"))
        #expect(try model.isLiquidatable(position, risk: risk, at: lp.exact))
        #expect(try model.isLiquidatable(position, risk: risk, at: "18069.1"))
        #expect(try !model.isLiquidatable(position, risk: risk, at: "18069.2"))
    }

    /// `cum` far above the requirement: the formula would lie beyond the bankruptcy price, so the
    /// bankruptcy fraction `(qE - sM)/q` is the threshold, rounded once to the tick.
    @Test(arguments: [(Side.long, "16666.6", "16666.66666666"), (.short, "23333.4", "23333.33333334")])
    func liquidationPriceIsCappedAtBankruptcy(side: Side, onTick: Decimal8, bankruptcy: Decimal8) throws {
        let position = PositionState(symbol: "X", side: side, quantity: "0.3", entryPrice: "20000", margin: "1000", leverage: 10)
        let risk = Self.risk(mmr: "0.01", cum: "5000", fee: "0.0005")
        let model = MarkValueModel()
        let lp = try #require(try model.liquidationPrice(of: position, risk: risk))
        #expect(lp.onTick == onTick)
        #expect(try model.bankruptcyPrice(of: position, risk: risk) == bankruptcy)
        #expect(try model.isLiquidatable(position, risk: risk, at: lp.onTick))
        let safe = side == .long ? try lp.onTick + "0.1" : try lp.onTick - "0.1"
        #expect(try !model.isLiquidatable(position, risk: risk, at: safe))
    }

    @Test(arguments: [MarginMode.isolated])
    func zeroIsolatedMarginIsRefused(mode: MarginMode) throws {
        let position = PositionState(symbol: "X", side: .long, quantity: "0.5", entryPrice: "20000", margin: .zero, leverage: 10, mode: mode)
        do {
            _ = try MarkValueModel().evaluate(position, risk: Self.risk(mmr: "0.00333333", fee: "0.0005"), mark: nil)
            Issue.record("accepted margin 0")
        } catch {
            #expect(error.field == "margin")
            #expect(error.message.contains("greater than 0"))
        }
    }

    /// No leverage setting: `q*E/M` exactly (10000/1500 = 6.67, not 6). At mark 21000 the
    /// initial-margin term is `P*M/E` = 1575, so 2000 - 1575 = 425 may be taken out (floored
    /// leverage 6 would give 10500/6 = 1750 and 250).
    @Test func effectiveLeverageIsExact() throws {
        let position = PositionState(symbol: "X", side: .long, quantity: "0.5", entryPrice: "20000", margin: "1500",
                                     leverage: 0, leverageFromMargin: true)
        let e = try MarkValueModel().evaluate(position, risk: Self.risk(mmr: "0.00333333", fee: "0.0005"), mark: "21000")
        #expect(e.initialMargin == "1500")
        #expect(e.atMark?.maxReducibleMargin == "425")
        #expect(e.liquidationPrice == LiquidationPrice(exact: "17065.41737639", onTick: "17065.4"))
    }

    @Test func effectiveLeverageAboveTheMaximumIsRefused() throws {
        let position = PositionState(symbol: "X", side: .long, quantity: "0.5", entryPrice: "20000", margin: "50",
                                     leverage: 0, leverageFromMargin: true)
        do {
            _ = try MarkValueModel().evaluate(position, risk: Self.risk(mmr: "0.00333333", fee: "0.0005", maxLeverage: 150), mark: nil)
            Issue.record("accepted effective leverage 200")
        } catch {
            #expect(error.field == "margin")
            #expect(error.message.contains("66.66666667"))
        }
    }

    /// The issue's OKX case: `alpha * (qE - M)` outgrows 128 bits while every figure fits.
    /// Expected values from exact fractions (Python `fractions`), then SPEC's roundings.
    @Test func largePositionFiguresAreComputed() throws {
        let position = PositionState(symbol: "X", side: .long, quantity: "3146.78262902", entryPrice: "74819.90414552",
                                     margin: "4322022.57237842", leverage: 86)
        let risk = Self.risk(mmr: "0.11064", cum: "5599279.3645", fee: "0.000561", maxLeverage: 100)
        let e = try MarkValueModel().evaluate(position, risk: risk, mark: "80300.57744583")
        #expect(e.liquidationPrice == LiquidationPrice(exact: "80633.60131071", onTick: "80633.6"))
        #expect(e.bankruptcyPrice == "73446.43063879")
        let m = try #require(e.atMark)
        #expect(m.riskRate == .finite("1.04318427"))
        #expect(m.maintenanceRequirement == "22499930.32135982")
        #expect(m.maxReducibleMargin == .zero)
        #expect(m.unrealizedPnL == "17246487.53674922")
        #expect(m.marginBalance == "21568510.10912764")
        #expect(m.isLiquidatable)
        // The same position with a small requirement: safe, and margin may be taken out.
        let calm = try MarkValueModel().evaluate(position, risk: Self.risk(mmr: "0.004", fee: "0.000561", maxLeverage: 100),
                                                 mark: "80300.57744583")
        #expect(calm.liquidationPrice == LiquidationPrice(exact: "73782.95469516", onTick: "73782.9"))
        #expect(calm.atMark?.riskRate == .finite("0.05343495"))
        #expect(calm.atMark?.maintenanceRequirement == "1152512.07612528")
        #expect(calm.atMark?.maxReducibleMargin == "3169510.49625314")
        #expect(calm.atMark?.isLiquidatable == false)
    }

    /// A result beyond `Decimal8` is an overflow that names the figure.
    @Test func overflowNamesTheFigure() throws {
        let position = PositionState(symbol: "X", side: .short, quantity: "1", entryPrice: "90000000000", margin: "90000000000", leverage: 1)
        do {
            _ = try MarkValueModel().liquidationPrice(of: position, risk: Self.risk(mmr: "0.00333333", fee: "0.0005"))
            Issue.record("no overflow")
        } catch {
            #expect(error.code == .overflow)
            #expect(error.field == "liquidationPrice")
        }
    }
}
