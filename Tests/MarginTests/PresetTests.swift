import CopyTradeCore
import Margin
import Testing

/// Hand-computed figures (exact fractions, then SPEC's roundings) for BTCUSDT, entry 20000,
/// 10x, at mark 19000: a tier-1 position (0.5 BTC, margin 1000) and a tier-2 one (20 BTC,
/// margin 40000, mmr 0.005, cum 500.001).
@Suite("Margin presets")
struct PresetTests {
    @Test(arguments: [
        ("bingx", .long, "0.5", "1000", "18069.26545735", "18069.2", "36.416635", "0.07283327"),
        ("bingx", .long, "20", "40000", "18074.4092006", "18074.4", "1589.999", "0.07949995"),
        ("bingx", .short, "0.5", "1000", "21915.98878272", "21916", "36.416635", "0.02427776"),
        ("bingx", .short, "20", "40000", "21904.52516162", "21904.6", "1589.999", "0.02649999"),
        ("binance", .long, "0.5", "1000", "18060.20060849", "18060.2", "31.666635", "0.06333327"),
        ("binance", .long, "20", "40000", "18065.32658291", "18065.3", "1399.999", "0.06999995"),
        ("binance", .short, "0.5", "1000", "21926.91037186", "21927", "31.666635", "0.02111109"),
        ("binance", .short, "20", "40000", "21915.42293533", "21915.5", "1399.999", "0.02333332"),
        ("okx", .long, "0.5", "1000", "18069.26545735", "18069.2", "36.416635", "0.07283327"),
        ("okx", .long, "20", "40000", "18099.54751131", "18099.5", "2090", "0.1045"),
        ("okx", .short, "0.5", "1000", "21915.98878272", "21916", "36.416635", "0.02427776"),
        ("okx", .short, "20", "40000", "21879.66185978", "21879.7", "2090", "0.03483334"),
        ("bybit", .long, "0.5", "1000", "18066.6666", "18066.6", "33.3333", "0.0666666"),
        ("bybit", .long, "20", "40000", "18074.99995", "18074.9", "1499.999", "0.07499995"),
        ("bybit", .short, "0.5", "1000", "21933.3334", "21933.4", "33.3333", "0.0222222"),
        ("bybit", .short, "20", "40000", "21925.00005", "21925.1", "1499.999", "0.02499999"),
        ("hyperliquid", .long, "0.5", "1000", "18060.20060849", "18060.2", "31.666635", "0.06333327"),
        ("hyperliquid", .long, "20", "40000", "18060.20060849", "18060.2", "1266.6654", "0.06333327"),
        ("hyperliquid", .short, "0.5", "1000", "21926.91037186", "21927", "31.666635", "0.02111109"),
        ("hyperliquid", .short, "20", "40000", "21926.91037186", "21927", "1266.6654", "0.02111109"),
    ] as [(String, Side, Decimal8, Decimal8, Decimal8, Decimal8, Decimal8, Decimal8)])
    func presetFigures(preset: String, side: Side, quantity: Decimal8, margin: Decimal8,
                       exact: Decimal8, onTick: Decimal8, requirement: Decimal8, riskRate: Decimal8) throws {
        let preset = try MarginPreset(parsing: preset)
        let position = Fixture.btcLong(margin: margin, side: side, quantity: quantity)
        let e = try preset.strategy.evaluate(position, risk: Fixture.risk("BTCUSDT", preset), mark: "19000")
        #expect(e.liquidationPrice == LiquidationPrice(exact: exact, onTick: onTick))
        #expect(e.atMark?.maintenanceRequirement == requirement)
        #expect(e.atMark?.riskRate == .finite(riskRate))
        #expect(e.atMark?.isLiquidatable == false)
    }

    @Test(arguments: [
        (MarginPreset.bingx, "0.0005", "500.001"), (.binance, "0", "500.001"), (.okx, "0.0005", "0"),
        (.bybit, "0", "500.001"), (.hyperliquid, "0", "0"),
    ] as [(MarginPreset, Decimal8, Decimal8)])
    func presetParameters(preset: MarginPreset, fee: Decimal8, secondTierCum: Decimal8) throws {
        let risk = try Fixture.risk("BTCUSDT", preset)
        #expect(risk.feeRate == fee)
        #expect(risk.maintenanceRate(forNotional: "400000").cum == secondTierCum)
        #expect(risk.maxLeverage == 150)
    }

    @Test func hyperliquidUsesHalfTheInitialRateAtMaxLeverage() throws {
        #expect(try Fixture.risk("ETHUSDT", .hyperliquid).maintenanceRate(forNotional: "1000000") == MaintenanceRate(mmr: "0.005", cum: .zero))
        #expect(try Fixture.risk("BTCUSDT", .hyperliquid).maintenanceRate(forNotional: "1") == MaintenanceRate(mmr: "0.00333333", cum: .zero))
    }

    @Test func tierIsChosenByEntryNotional() throws {
        let risk = try Fixture.risk()
        #expect(risk.maintenanceRate(forNotional: "300000").mmr == "0.00333333")
        #expect(risk.maintenanceRate(forNotional: "300000.00000001").mmr == "0.005")
        #expect(risk.maintenanceRate(forNotional: "91000000000").mmr == "0.25")
    }

    @Test func overridesReplaceTheChosenTierAndFee() throws {
        let risk = try Fixture.risk(overrides: RiskOverrides(mmr: "0.01", cum: "5", feeRate: "0.001"))
        #expect(risk.feeRate == "0.001")
        #expect(risk.maintenanceRate(forNotional: "10000") == MaintenanceRate(mmr: "0.01", cum: "5"))
        // Long: (10000 - 1000 - 5) / (0.5 * (1 - 0.011)) = 18190.09100101...
        let lp = try MarkValueModel().liquidationPrice(of: Fixture.btcLong(margin: "1000"), risk: risk)
        #expect(lp == LiquidationPrice(exact: "18190.09100101", onTick: "18190"))
    }

    @Test func presetNamesParseCaseInsensitively() throws {
        #expect(try MarginPreset(parsing: "Bybit") == .bybit)
        #expect(MarginPreset.default == .bingx)
        #expect(MarginPreset.bybit.strategy.name == "entry-value")
        #expect(MarginPreset.okx.strategy.name == "mark-value")
    }
}
