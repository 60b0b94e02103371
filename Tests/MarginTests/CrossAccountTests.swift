import CopyTradeCore
import Margin
import Testing

/// BTC long 0.5 @ 20000 marked at 19000 (U = -500, MR = 36.416635) and ETH short 10 @ 1500
/// marked at 1600 (U = -1000, MR = 10*1600*0.0055 = 88), bingx preset.
@Suite("Cross margin")
struct CrossAccountTests {
    static func inputs() throws -> [CrossPositionInput] {
        var btc = Fixture.btcLong(margin: .zero)
        btc.mode = .cross
        let eth = PositionState(symbol: "ETHUSDT", side: .short, quantity: "10", entryPrice: "1500", margin: .zero,
                                leverage: 20, mode: .cross)
        return [CrossPositionInput(position: btc, risk: try Fixture.risk(), mark: "19000"),
                CrossPositionInput(position: eth, risk: try Fixture.risk("ETHUSDT"), mark: "1600")]
    }

    @Test func healthyAccount() throws {
        let e = try MarkValueModel().evaluateCross(walletBalance: "5000", positions: Self.inputs())
        #expect(e.equity == "3500")
        #expect(e.totalRequirement == "124.416635")
        #expect(e.riskRate == .finite("0.03554761"))
        #expect(!e.isLiquidatable)
        #expect(e.positions.map(\.unrealizedPnL) == ["-500", "-1000"])
        #expect(e.positions.map(\.maintenanceRequirement) == ["36.416635", "88"])
    }

    @Test(arguments: [("1624.416635", true), ("1624.41663501", false), ("1000", true)] as [(Decimal8, Bool)])
    func liquidatedWhenEquityFallsToTheRequirement(wallet: Decimal8, liquidatable: Bool) throws {
        let e = try MarkValueModel().evaluateCross(walletBalance: wallet, positions: Self.inputs())
        #expect(e.isLiquidatable == liquidatable)
    }

    @Test func negativeEquityIsInfiniteRisk() throws {
        let e = try MarkValueModel().evaluateCross(walletBalance: "1000", positions: Self.inputs())
        #expect(e.equity == "-500")
        #expect(e.riskRate == .infinite)
    }

    @Test func emptyAccountIsNeverLiquidatable() throws {
        #expect(try !MarkValueModel().evaluateCross(walletBalance: .zero, positions: []).isLiquidatable)
    }

    @Test func isolatedPositionIsRefusedInCrossEvaluation() throws {
        var inputs = try Self.inputs()
        inputs[1].position.mode = .isolated
        do { _ = try MarkValueModel().evaluateCross(walletBalance: "5000", positions: inputs); Issue.record("accepted") } catch {
            #expect(error.field == "positions[1].mode")
        }
    }
}
