import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// TLS for a ttrpc connection, loaded from PEM files.
///
/// Build one with ``server(certificateChainFile:privateKeyFile:trustRootsFile:requireClientCertificate:)``
/// or ``client(trustRootsFile:certificateChainFile:privateKeyFile:serverName:)``. Every file is
/// read and checked here, once, so a bad path or a malformed PEM is reported at startup
/// (a ``TTRPCError`` with code `.invalidArgument` naming the file and the problem) rather than
/// on the first connection. The value is cheap to copy and safe to share between connections.
///
/// TLS 1.2 is the minimum version; the peer's certificate chain is always verified. A client
/// also checks that the server's certificate is valid for ``serverName`` (by default the host of
/// the address it connects to; an IP address is matched against the certificate's IP SANs).
public struct TTRPCTLSConfiguration: Sendable {
    public enum Role: Sendable, Hashable {
        case server
        case client
    }

    /// Which end of a connection this configuration is for.
    public let role: Role
    /// Client only: the name the server's certificate must be valid for, also sent as SNI
    /// (unless it is an IP address). nil: the host of the address being connected to.
    public var serverName: String?
    /// Server only: whether clients must present a certificate signed by the trust roots.
    public let requiresClientCertificate: Bool

    let context: NIOSSLContext

    /// Server side.
    ///
    /// - Parameters:
    ///   - certificateChainFile: PEM, the server's certificate first, then any intermediates.
    ///   - privateKeyFile: PEM, the key of the first certificate (unencrypted).
    ///   - trustRootsFile: PEM CA certificates that client certificates are verified against.
    ///     Without it clients are not asked for a certificate.
    ///   - requireClientCertificate: mutual TLS: refuse clients without a certificate signed by
    ///     `trustRootsFile` (which is then required). When false and `trustRootsFile` is given,
    ///     a certificate is verified if a client presents one.
    public static func server(
        certificateChainFile: String, privateKeyFile: String, trustRootsFile: String? = nil,
        requireClientCertificate: Bool = false
    ) throws(TTRPCError) -> TTRPCTLSConfiguration {
        if requireClientCertificate, trustRootsFile == nil {
            throw TTRPCError(
                code: .invalidArgument,
                message: "ttrpc: tls: requiring client certificates needs trust roots (a CA file) to verify them")
        }
        let chain = try loadCertificates(certificateChainFile, what: "certificate chain")
        let key = try loadPrivateKey(privateKeyFile)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let trustRootsFile {
            configuration.trustRoots = .certificates(try loadCertificates(trustRootsFile, what: "trust roots"))
            configuration.certificateVerification =
                requireClientCertificate ? .noHostnameVerification : .optionalVerification
        } else {
            configuration.certificateVerification = .none
        }
        let context = try makeContext(
            configuration, files: "certificate chain \(certificateChainFile) and key \(privateKeyFile)")
        return TTRPCTLSConfiguration(
            role: .server, serverName: nil, requiresClientCertificate: requireClientCertificate, context: context)
    }

    /// Client side.
    ///
    /// - Parameters:
    ///   - trustRootsFile: PEM CA certificates the server's certificate is verified against;
    ///     nil uses the system's trust store.
    ///   - certificateChainFile: for mutual TLS, the client's certificate (PEM); needs
    ///     `privateKeyFile`.
    ///   - privateKeyFile: the client certificate's key (PEM, unencrypted).
    ///   - serverName: the name to verify the server's certificate against; nil for the host
    ///     of the address passed to ``TTRPCClient/connect(to:logger:group:connectTimeout:tls:token:configureConnection:)``.
    public static func client(
        trustRootsFile: String?, certificateChainFile: String? = nil, privateKeyFile: String? = nil,
        serverName: String? = nil
    ) throws(TTRPCError) -> TTRPCTLSConfiguration {
        guard (certificateChainFile == nil) == (privateKeyFile == nil) else {
            throw TTRPCError(
                code: .invalidArgument,
                message: "ttrpc: tls: a client certificate and its private key must be given together")
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let trustRootsFile {
            configuration.trustRoots = .certificates(try loadCertificates(trustRootsFile, what: "trust roots"))
        }
        var files = "client trust roots \(trustRootsFile ?? "(system)")"
        if let certificateChainFile, let privateKeyFile {
            configuration.certificateChain = try loadCertificates(certificateChainFile, what: "certificate chain")
                .map { .certificate($0) }
            configuration.privateKey = .privateKey(try loadPrivateKey(privateKeyFile))
            files = "certificate chain \(certificateChainFile) and key \(privateKeyFile)"
        }
        if let serverName, serverName.isEmpty {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: tls: server name must not be empty")
        }
        let context = try makeContext(configuration, files: files)
        return TTRPCTLSConfiguration(
            role: .client, serverName: serverName, requiresClientCertificate: false, context: context)
    }

    // MARK: Handlers

    func makeServerHandler() throws -> NIOSSLServerHandler {
        try NIOSSLServerHandler(context: context)
    }

    /// The name to verify for a connection to `address`; fails for a Unix socket without an
    /// explicit ``serverName`` (there is no host to check the certificate against).
    func verifiedName(for address: TTRPCAddress) throws(TTRPCError) -> String {
        guard role == .client else {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: tls: a server TLS configuration was given to a client")
        }
        if let serverName { return serverName }
        switch address {
        case .tcp(let host, _): return host
        case .unix(let path):
            throw TTRPCError(
                code: .invalidArgument,
                message: "ttrpc: tls: TLS over unix:\(path) needs an explicit serverName to verify")
        }
    }

    /// `name` is sent as SNI and checked against the certificate's DNS names; an IP address is
    /// not allowed in SNI, and NIOSSL then checks the peer's IP against the IP SANs instead.
    func makeClientHandler(verifying name: String) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: Self.isIPAddress(name) ? nil : name)
    }

    static func isIPAddress(_ text: String) -> Bool {
        ipAddressBytes(text) != nil
    }

    /// The network-order bytes of an IPv4 or IPv6 literal.
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        guard let address = try? SocketAddress(ipAddress: text, port: 0) else { return nil }
        switch address {
        case .v4(let v4): return withUnsafeBytes(of: v4.address.sin_addr) { Array($0) }
        case .v6(let v6): return withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        case .unixDomainSocket: return nil
        }
    }

    /// Whether `certificate`'s subjectAltNames cover `name`: an IP SAN equal to it for an IP
    /// address, else a DNS SAN equal to it or a `*.` wildcard for its first label.
    ///
    /// NIOSSL's own check also accepts a certificate whose IP SAN matches the connected socket
    /// whatever name was asked for; this stricter check makes an explicit ``serverName`` binding.
    /// As in Go's crypto/tls, a certificate without subjectAltNames (CN only) is not accepted.
    static func certificate(_ certificate: NIOSSLCertificate, isValidFor name: String) -> Bool {
        let names = certificate._subjectAlternativeNames()
        if let ip = ipAddressBytes(name) {
            return names.contains { $0.nameType == .ipAddress && Array($0.contents) == ip }
        }
        var wanted = name.lowercased()
        if wanted.hasSuffix(".") { wanted.removeLast() }
        let wildcardTarget = wanted.firstIndex(of: ".").map { String(wanted[$0...]) }
        return names.contains { san in
            guard san.nameType == .dnsName else { return false }
            var dns = String(decoding: Array(san.contents), as: UTF8.self).lowercased()
            if dns.hasSuffix(".") { dns.removeLast() }
            if dns == wanted { return true }
            if dns.hasPrefix("*."), let wildcardTarget, !wanted.hasPrefix(".") {
                return String(dns.dropFirst()) == wildcardTarget
            }
            return false
        }
    }

    // MARK: Loading

    private static func readFile(_ path: String, what: String) throws(TTRPCError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            let reason: String
            let nsError = error as NSError
            if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError {
                reason = "no such file"
            } else if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoPermissionError {
                reason = "permission denied"
            } else {
                reason = nsError.localizedDescription
            }
            throw invalid("cannot read \(what) file \(path): \(reason)", cause: error)
        }
    }

    private static func loadCertificates(_ path: String, what: String) throws(TTRPCError) -> [NIOSSLCertificate] {
        let bytes = try readFile(path, what: what)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw invalid("\(what) file \(path) is not valid PEM certificates: \(error)", cause: error)
        }
        guard !certificates.isEmpty else {
            throw invalid("\(what) file \(path) contains no PEM certificate")
        }
        return certificates
    }

    private static func loadPrivateKey(_ path: String) throws(TTRPCError) -> NIOSSLPrivateKey {
        let bytes = try readFile(path, what: "private key")
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw invalid(
                "private key file \(path) is not a valid unencrypted PEM private key: \(error)", cause: error)
        }
    }

    private static func makeContext(_ configuration: TLSConfiguration, files: String) throws(TTRPCError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // Typically a key that does not match the certificate.
            throw invalid("cannot use \(files): \(error)", cause: error)
        }
    }

    private static func invalid(_ message: String, cause: (any Error)? = nil) -> TTRPCError {
        TTRPCError(code: .invalidArgument, message: "ttrpc: tls: \(message)", cause: cause)
    }
}

// MARK: Errors

extension TTRPCError {
    /// Whether `error` came from the TLS layer (handshake, verification, alerts).
    static func isTLSFailure(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
            || error is NIOSSLCloseTimedOutError
    }

    /// A peer that closed TCP without a TLS close_notify: routine, not worth a log line.
    static func isUncleanTLSShutdown(_ error: any Error) -> Bool {
        (error as? NIOSSLError) == .uncleanShutdown
    }

    /// The status for a connection-level failure: UNAVAILABLE, saying "TLS failed" when the TLS
    /// layer caused it.
    static func connectionFailure(_ error: any Error, doing action: String) -> TTRPCError {
        if let error = error as? TTRPCError { return error }
        if isTLSFailure(error) {
            return TTRPCError(code: .unavailable, message: "ttrpc: TLS failed: \(error)", cause: error)
        }
        return TTRPCError(code: .unavailable, message: "ttrpc: \(action): \(error)", cause: error)
    }
}

// MARK: Client handshake

/// Why a TLS connection failed, kept so a call made after the connection already closed
/// reports the TLS failure rather than a bare "I/O on closed channel".
final class TLSFailureRecord: Sendable {
    private let failure = Mutex<TTRPCError?>(nil)

    func record(_ error: TTRPCError) {
        failure.withLock { if $0 == nil { $0 = error } }
    }

    var value: TTRPCError? { failure.withLock { $0 } }
}

/// Sits right after the client's `NIOSSLClientHandler`: completes ``handshake`` when the TLS
/// handshake is done (or failed, or timed out), so `connect` reports a TLS failure itself,
/// and turns TLS errors into UNAVAILABLE "TLS failed" statuses for the calls behind it.
final class TLSClientHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let promise: EventLoopPromise<Void>
    private let timeout: TimeAmount
    private let verifiedName: String
    private let failureRecord: TLSFailureRecord
    private var timer: Scheduled<Void>?
    private var done = false

    /// Succeeds once the handshake completes.
    var handshake: EventLoopFuture<Void> { promise.futureResult }

    init(eventLoop: any EventLoop, timeout: TimeAmount, verifiedName: String, failureRecord: TLSFailureRecord) {
        self.failureRecord = failureRecord
        self.promise = eventLoop.makePromise()
        self.timeout = timeout
        self.verifiedName = verifiedName
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = loopBound.value
            handler.finish(.failure(TTRPCError(
                code: .unavailable, message: "ttrpc: TLS failed: handshake timed out after \(handler.timeout)")))
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(TTRPCError(code: .unavailable, message: "ttrpc: connection closed during TLS handshake")))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            let peer = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
            guard let peer, TTRPCTLSConfiguration.certificate(peer, isValidFor: verifiedName) else {
                let status = TTRPCError(
                    code: .unavailable,
                    message: "ttrpc: TLS failed: the server's certificate is not valid for \"\(verifiedName)\"")
                failureRecord.record(status)
                finish(.failure(status))
                context.fireErrorCaught(status)
                context.close(promise: nil)
                return
            }
            finish(.success(()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let status = TTRPCError.connectionFailure(error, doing: "connection error")
        if TTRPCError.isTLSFailure(error) { failureRecord.record(status) }
        finish(.failure(status))
        context.fireErrorCaught(status)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(TTRPCError(code: .unavailable, message: "ttrpc: TLS failed: connection closed during handshake")))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, TTRPCError>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        promise.completeWith(result.mapError { $0 as any Error })
    }
}
