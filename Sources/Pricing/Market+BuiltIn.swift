import CopyTradeCore
import Foundation

extension Market {
    /// The market shipped with the project (`Resources/default-market.json`): BTCUSDT, ETHUSDT,
    /// SOLUSDT, DOGEUSDT with tiered maintenance tables. The file is part of the build and is
    /// checked by tests, so failing to load it is a packaging bug and stops the process.
    public static let builtIn: Market = {
        do { return try Market.default() } catch {
            preconditionFailure("the built-in market file is broken: \(error)")
        }
    }()

    /// Loads the built-in market file afresh, throwing instead of stopping when it is unusable.
    public static func `default`() throws(DomainError) -> Market {
        guard let url = Bundle.module.url(forResource: "default-market", withExtension: "json")
                ?? Bundle.module.url(forResource: "default-market", withExtension: "json", subdirectory: "Resources") else {
            throw DomainError.notFound("marketFile", "default-market.json is missing from the Pricing bundle")
        }
        return try Market(contentsOf: url)
    }
}
