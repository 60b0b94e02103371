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
    /// TLS and token for a remote module (nil: plaintext, no token).
    var tls: TTRPCTLSConfiguration? = nil
    var token: String? = nil

    /// `via`: nil for in process, else a module address (`unix:PATH`, `tcp:HOST:PORT`).
    public init(via: String?, market: Market? = nil) throws {
        self.endpoint = try via.map { .remote(try TTRPCAddress(parsing: $0)) } ?? .inProcess
        self.market = market ?? Market.builtIn
    }

    /// `via` with TLS and a shared token, for a module on another host; see
    /// ``RemoteModuleOptions``. Files are read here, so a bad path fails before any call.
    public init(via options: RemoteModuleOptions, market: Market? = nil) throws {
        try self.init(via: options.address, market: market)
        let secured = options.tlsCA != nil || options.tlsCert != nil || options.tlsKey != nil || options.tokenFile != nil
        if secured, options.address == nil {
            throw TTRPCError(code: .invalidArgument, message: "--tls-ca, --tls-cert, --tls-key and --token-file need --via")
        }
        if options.tlsCA != nil || options.tlsCert != nil || options.tlsKey != nil {
            tls = try .client(
                trustRootsFile: options.tlsCA, certificateChainFile: options.tlsCert, privateKeyFile: options.tlsKey)
        }
        token = try options.tokenFile.map { try TTRPCToken.load(fromFile: $0) }
    }

    /// The symbol's spec, when one was named; an unknown symbol names the field.
    func spec(_ symbol: String?) throws -> SymbolSpec? {
        guard let symbol else { return nil }
        return try market.spec(for: symbol)
    }
}

/// How to reach a module through its socket, possibly on another host: the address plus
/// optional TLS (PEM files) and shared-token file. TLS is on when any `tls*` file is given.
public struct RemoteModuleOptions: Sendable {
    /// `unix:PATH` or `tcp:HOST:PORT`; nil computes in process.
    public var address: String?
    /// CA certificates (PEM) that the module's certificate must chain to; nil: system roots.
    public var tlsCA: String?
    /// Client certificate and key (PEM) for a module that requires mutual TLS.
    public var tlsCert: String?
    public var tlsKey: String?
    /// File holding the module's shared token, sent as `authorization: Bearer <token>`.
    public var tokenFile: String?

    public init(
        address: String?, tlsCA: String? = nil, tlsCert: String? = nil, tlsKey: String? = nil, tokenFile: String? = nil
    ) {
        self.address = address
        self.tlsCA = tlsCA
        self.tlsCert = tlsCert
        self.tlsKey = tlsKey
        self.tokenFile = tokenFile
    }
}

/// Where module calls go.
public enum ModuleEndpoint: Sendable {
    case inProcess
    case remote(TTRPCAddress)
}
