import Foundation
import TestSupport
import Testing
@testable import TTRPC

/// Throwaway PKI generated with the `openssl` command at test time (never committed):
/// a CA, a server certificate for `localhost` / 127.0.0.1, a client certificate from that
/// CA, and a second CA with a client certificate of its own. Created once per test process
/// in a temporary directory that is removed at exit.
struct TLSFixtures: Sendable {
    let directory: String
    let caCert: String
    let serverCert: String
    let serverKey: String
    let clientCert: String
    let clientKey: String
    let otherCACert: String
    let otherClientCert: String
    let otherClientKey: String

    /// The shared fixtures; fails the calling test with the reason if openssl is missing or fails.
    static func shared() throws -> TLSFixtures { try sharedResult.get() }

    private static let sharedResult: Result<TLSFixtures, FixtureError> = {
        do throws(FixtureError) { return .success(try generate()) } catch { return .failure(error) }
    }()

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
    }

    private static func generate() throws(FixtureError) -> TLSFixtures {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ttrpc-tls-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FixtureError(description: "cannot create \(directory): \(error)")
        }
        fixtureDirectoryToRemove = directory
        atexit { if let dir = fixtureDirectoryToRemove { try? FileManager.default.removeItem(atPath: dir) } }

        func path(_ name: String) -> String { directory + "/" + name }
        try makeCA(name: "ca", commonName: "ttrpc test CA", in: directory)
        try makeCA(name: "other-ca", commonName: "ttrpc other CA", in: directory)
        try makeLeaf(
            name: "server", commonName: "localhost", ca: "ca", in: directory,
            extensions: "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try makeLeaf(name: "client", commonName: "ttrpc client", ca: "ca", in: directory,
                     extensions: "extendedKeyUsage=clientAuth\n")
        try makeLeaf(name: "other-client", commonName: "ttrpc other client", ca: "other-ca", in: directory,
                     extensions: "extendedKeyUsage=clientAuth\n")
        return TLSFixtures(
            directory: directory, caCert: path("ca.pem"), serverCert: path("server.pem"), serverKey: path("server.key"),
            clientCert: path("client.pem"), clientKey: path("client.key"), otherCACert: path("other-ca.pem"),
            otherClientCert: path("other-client.pem"), otherClientKey: path("other-client.key"))
    }

    private static func makeCA(name: String, commonName: String, in directory: String) throws(FixtureError) {
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).pem", "-days", "2", "-subj", "/CN=\(commonName)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ], in: directory)
    }

    private static func makeLeaf(
        name: String, commonName: String, ca: String, in directory: String, extensions: String
    ) throws(FixtureError) {
        try openssl([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(commonName)",
        ], in: directory)
        let extFile = directory + "/\(name).ext"
        do {
            try ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n" + extensions)
                .write(toFile: extFile, atomically: true, encoding: .utf8)
        } catch {
            throw FixtureError(description: "cannot write \(extFile): \(error)")
        }
        try openssl([
            "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
            "-days", "2", "-out", "\(name).pem", "-extfile", "\(name).ext",
        ], in: directory)
    }

    private static func openssl(_ arguments: [String], in directory: String) throws(FixtureError) {
        let candidates = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl", "/bin/openssl"]
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw FixtureError(description:
                "the TLS tests need the `openssl` command to generate throwaway certificates; not found in "
                + "\(candidates.joined(separator: ", ")) (Debian: apt-get install openssl)")
        }
        let child: Spawned
        do {
            child = try Spawned(executable, arguments, directory: directory, stderr: .pipe)
        } catch {
            throw FixtureError(description: "cannot run \(executable): \(error)")
        }
        // openssl is short-lived and has no children: reading its stderr to the end is safe.
        let stderr = child.stderr!.readDataToEndOfFile()
        for _ in 0..<6000 where child.isRunning { usleep(10_000) }
        guard child.exitStatus == 0 else {
            throw FixtureError(description:
                "openssl \(arguments.joined(separator: " ")) failed (\(child.exitStatus.map(String.init) ?? "still running after 60 s")): "
                + String(decoding: stderr, as: UTF8.self))
        }
    }
}

nonisolated(unsafe) private var fixtureDirectoryToRemove: String?
