import Logging
import TTRPC

extension TTRPCClient {
    /// Connects to a remote module with its route's TLS and token settings: TLS is on as soon
    /// as a CA or a client certificate is configured (the CA verifies the module's certificate,
    /// the certificate and key authenticate the coordinator for mutual TLS).
    static func connect(to address: TTRPCAddress, logger: Logger, security: RouteSecurity) async throws -> TTRPCClient {
        var tls: TTRPCTLSConfiguration?
        if security.caFile != nil || security.certFile != nil {
            tls = try TTRPCTLSConfiguration.client(trustRootsFile: security.caFile, certificateChainFile: security.certFile,
                                                   privateKeyFile: security.keyFile, serverName: security.serverName)
        }
        return try await TTRPCClient.connect(to: address, logger: logger, tls: tls, token: security.token)
    }
}
