import Foundation
import NIOCore
import Testing
@testable import TTRPC

@Suite("TLS transport", .timeLimit(.minutes(1)))
struct TLSTests {
    let pki: TLSFixtures

    init() throws {
        pki = try TLSFixtures.shared()
    }

    func serverTLS(requireClientCertificate: Bool = false) throws -> TTRPCServerConfiguration {
        TTRPCServerConfiguration(tls: try .server(
            certificateChainFile: pki.serverCert, privateKeyFile: pki.serverKey,
            trustRootsFile: requireClientCertificate ? pki.caCert : nil,
            requireClientCertificate: requireClientCertificate))
    }

    func clientTLS(cert: String? = nil, key: String? = nil, ca: String? = nil, serverName: String? = nil) throws
        -> TTRPCTLSConfiguration
    {
        try .client(
            trustRootsFile: ca ?? pki.caCert, certificateChainFile: cert, privateKeyFile: key, serverName: serverName)
    }

    @Test func echoOverTLS() async throws {
        try await withServer(.tcp, configuration: try serverTLS()) { _, address in
            let reply1 = try await echo("hello over tls", at: address, tls: try clientTLS())
            #expect(reply1 == "hello over tls")
        }
    }

    @Test func serverNameDefaultsToHostAndCanBeADNSName() async throws {
        try await withServer(.tcp, configuration: try serverTLS()) { _, address in
            // Default: 127.0.0.1, checked against the certificate's IP SAN.
            let reply2 = try await echo("by ip", at: address, tls: try clientTLS())
            #expect(reply2 == "by ip")
            // Explicit: localhost, checked against the DNS SAN and sent as SNI.
            let reply3 = try await echo("by name", at: address, tls: try clientTLS(serverName: "localhost"))
            #expect(reply3 == "by name")
        }
    }

    @Test func wrongServerNameIsRefused() async throws {
        try await withServer(.tcp, configuration: try serverTLS()) { _, address in
            let error = await expectStatus(.unavailable) {
                _ = try await echo("x", at: address, tls: try clientTLS(serverName: "wrong.example.com"))
            }
            #expect(error?.message.contains("TLS failed") == true, "\(String(describing: error))")
        }
    }

    @Test func serverSignedByUnknownCAIsRefused() async throws {
        try await withServer(.tcp, configuration: try serverTLS()) { _, address in
            let error = await expectStatus(.unavailable) {
                _ = try await echo("x", at: address, tls: try clientTLS(ca: pki.otherCACert))
            }
            #expect(error?.message.contains("TLS failed") == true, "\(String(describing: error))")
        }
    }

    @Test func mutualTLS() async throws {
        try await withServer(.tcp, configuration: try serverTLS(requireClientCertificate: true)) { server, address in
            // No certificate: refused (at the handshake, or with TLS 1.3 on the first call).
            let missing = await expectStatus(.unavailable) {
                _ = try await echo("no cert", at: address, tls: try clientTLS())
            }
            #expect(missing?.message.contains("TLS failed") == true, "\(String(describing: missing))")

            // Signed by the server's CA: accepted.
            let good = try clientTLS(cert: pki.clientCert, key: pki.clientKey)
            let reply4 = try await echo("with cert", at: address, tls: good)
            #expect(reply4 == "with cert")

            // Signed by another CA: refused.
            let foreign = await expectStatus(.unavailable) {
                _ = try await echo(
                    "other CA", at: address, tls: try clientTLS(cert: pki.otherClientCert, key: pki.otherClientKey))
            }
            #expect(foreign?.message.contains("TLS failed") == true, "\(String(describing: foreign))")

            // The refusals did not disturb the server.
            let reply5 = try await echo("still serving", at: address, tls: good)
            #expect(reply5 == "still serving")
            _ = server
        }
    }

    @Test func plaintextClientFailsCleanlyAndOthersAreServed() async throws {
        try await withServer(.tcp, configuration: try serverTLS()) { server, address in
            // A TLS connection opened before the bad one must survive it.
            let tlsClient = try await TTRPCClient.connect(to: address, logger: testLogger, tls: try clientTLS())
            let reply6 = try await echoCall(tlsClient, "before")
            #expect(reply6 == "before")

            let plain = try await TTRPCClient.connect(to: address, logger: testLogger)
            await expectStatus(.unavailable) {
                _ = try await echoCall(plain, "plaintext")
            }
            await plain.close()

            let reply7 = try await echoCall(tlsClient, "after")
            #expect(reply7 == "after")
            let reply8 = try await echo("new connection", at: address, tls: try clientTLS())
            #expect(reply8 == "new connection")
            await tlsClient.close()
            #expect(server.boundAddress == address)
        }
    }

    @Test func tlsClientToPlaintextServerFails() async throws {
        try await withServer(.tcp) { _, address in
            let error = await expectStatus(.unavailable) {
                _ = try await echo("x", at: address, tls: try clientTLS(), connectTimeout: .seconds(2))
            }
            #expect(error?.message.contains("TLS failed") == true, "\(String(describing: error))")
        }
    }

    @Test func tlsOverUnixSocketNeedsAServerName() async throws {
        try await withServer(.unix, configuration: try serverTLS()) { _, address in
            await expectStatus(.invalidArgument) {
                _ = try await TTRPCClient.connect(to: address, logger: testLogger, tls: try clientTLS())
            }
            let reply9 = try await echo("unix tls", at: address, tls: try clientTLS(serverName: "localhost"))
            #expect(reply9 == "unix tls")
        }
    }

    @Test func tokenAndTLSTogether() async throws {
        var configuration = try serverTLS(requireClientCertificate: true)
        configuration.requiredToken = "s3cret-token"
        try await withServer(.tcp, configuration: configuration) { _, address in
            let tls = try clientTLS(cert: pki.clientCert, key: pki.clientKey)
            let reply10 = try await echo("both", at: address, tls: tls, token: "s3cret-token")
            #expect(reply10 == "both")
            await expectStatus(.unauthenticated) {
                _ = try await echo("no token", at: address, tls: tls)
            }
        }
    }

    // MARK: Loading errors

    @Test func missingFileIsNamed() throws {
        let path = pki.directory + "/does-not-exist.pem"
        let error = #expect(throws: TTRPCError.self) {
            _ = try TTRPCTLSConfiguration.server(certificateChainFile: path, privateKeyFile: pki.serverKey)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(path) == true)
        #expect(error?.message.contains("no such file") == true, "\(String(describing: error))")
    }

    @Test func malformedPEMIsNamed() throws {
        let path = pki.directory + "/garbage.pem"
        try "not a certificate\n".write(toFile: path, atomically: true, encoding: .utf8)
        let certError = #expect(throws: TTRPCError.self) {
            _ = try TTRPCTLSConfiguration.client(trustRootsFile: path)
        }
        #expect(certError?.code == .invalidArgument)
        #expect(certError?.message.contains(path) == true)
        #expect(certError?.message.contains("trust roots") == true, "\(String(describing: certError))")

        let keyError = #expect(throws: TTRPCError.self) {
            _ = try TTRPCTLSConfiguration.server(certificateChainFile: pki.serverCert, privateKeyFile: path)
        }
        #expect(keyError?.code == .invalidArgument)
        #expect(keyError?.message.contains(path) == true)
        #expect(keyError?.message.contains("private key") == true, "\(String(describing: keyError))")
    }

    @Test func mismatchedKeyIsRefused() throws {
        let error = #expect(throws: TTRPCError.self) {
            _ = try TTRPCTLSConfiguration.server(certificateChainFile: pki.serverCert, privateKeyFile: pki.clientKey)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(pki.clientKey) == true, "\(String(describing: error))")
    }

    @Test func inconsistentOptionsAreRefused() async throws {
        #expect(throws: TTRPCError.self) {
            _ = try TTRPCTLSConfiguration.server(
                certificateChainFile: pki.serverCert, privateKeyFile: pki.serverKey, requireClientCertificate: true)
        }
        #expect(throws: TTRPCError.self) {
            _ = try TTRPCTLSConfiguration.client(trustRootsFile: pki.caCert, certificateChainFile: pki.clientCert)
        }
        // A client configuration handed to a server is refused at bind.
        let server = TTRPCServer(
            address: TransportKind.tcp.address(), services: [.interopEcho],
            configuration: TTRPCServerConfiguration(tls: try clientTLS()), logger: testLogger)
        await expectStatus(.invalidArgument) { _ = try await server.bind() }
        server.close()
    }
}

/// Connects (with `tls`/`token`), makes one echo call, closes.
func echo(
    _ text: String, at address: TTRPCAddress, tls: TTRPCTLSConfiguration? = nil, token: String? = nil,
    connectTimeout: TimeAmount = .seconds(10)
) async throws -> String {
    let client = try await TTRPCClient.connect(
        to: address, logger: testLogger, connectTimeout: connectTimeout, tls: tls, token: token)
    do {
        let reply = try await echoCall(client, text)
        await client.close()
        return reply
    } catch {
        await client.close()
        throw error
    }
}

func echoCall(_ client: TTRPCClient, _ text: String, metadata: TTRPCMetadata = [:]) async throws -> String {
    try await client.call(
        service: echoService, method: "Echo", request: payload(text),
        responseType: Ttrpc_Interop_V1_Payload.self, timeout: .seconds(5), metadata: metadata
    ).text
}
