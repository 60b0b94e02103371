import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime
import Pricing
import Sizing
import Sync
import TTRPC

/// Runs the calculators against the modules' wire APIs, either in process or through a module
/// socket (`--via`). Both paths send the same request messages to the same logic, so their
/// answers are identical by construction, and the tests check that they are.
public struct Calculator: Sendable {
    let endpoint: ModuleEndpoint
    let market: Market

    /// `via`: nil for in process, else a module address (`unix:PATH`, `tcp:HOST:PORT`).
    public init(via: String?, market: Market? = nil) throws {
        self.endpoint = try via.map { .remote(try TTRPCAddress(parsing: $0)) } ?? .inProcess
        self.market = market ?? Market.builtIn
    }

    /// The symbol's spec, when one was named; an unknown symbol names the field.
    func spec(_ symbol: String?) throws -> SymbolSpec? {
        guard let symbol else { return nil }
        return try market.spec(for: symbol)
    }
}

/// Where module calls go.
public enum ModuleEndpoint: Sendable {
    case inProcess
    case remote(TTRPCAddress)
}
