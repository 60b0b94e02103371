import Foundation
import PostgresNIO

/// `--postgres URL`, libpq's URI form (docs/decisions.md, "PostgreSQL"), so the URL an
/// operator already uses with `psql` works here:
/// - `postgres://user@/db?host=/socket/dir[&port=5432]`: a Unix socket, `dir/.s.PGSQL.port`;
/// - `postgresql://user:password@host:port/db`: TCP (IPv6 hosts in brackets).
///
/// User, password and database are percent-decoded; the user defaults to `$USER`, the database
/// to the user, the port to 5432, a missing host to Debian's socket folder
/// `/var/run/postgresql`. Query parameters: `host`, `port`, `user`, `password`, `dbname`,
/// `sslmode=disable`, `application_name` (ignored). Anything else is refused, never guessed at:
/// TLS (`sslmode` other than `disable`) is not supported yet.
public struct PostgresURL: Sendable {
    public enum Endpoint: Sendable, Equatable {
        case unix(path: String)
        case tcp(host: String, port: Int)
    }

    public let endpoint: Endpoint
    public let user: String
    public let password: String?
    public let database: String

    public init(parsing text: String) throws(ClusterError) {
        func refuse(_ rule: String) -> ClusterError {
            ClusterError(.badURL, "--postgres: \(Self.redacting(text)) is not a PostgreSQL URL: \(rule)")
        }
        guard let schemeEnd = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound]) else {
            throw refuse("it must start with postgres:// or postgresql://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var parameters: [String: String] = [:]
        if let q = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: q)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let name = parts[0].removingPercentEncoding,
                      let value = parts[1].removingPercentEncoding else {
                    throw refuse("query parameter '\(pair)' is not name=value")
                }
                guard ["host", "port", "user", "password", "dbname", "sslmode", "application_name"].contains(name) else {
                    throw refuse("unknown query parameter '\(name)'")
                }
                parameters[name] = value
            }
            rest = rest[..<q]
        }
        let authority: Substring
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        } else {
            authority = rest
        }
        var hostPort = authority
        var user: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let pieces = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let u = pieces[0].removingPercentEncoding else { throw refuse("the user is not percent-encoded properly") }
            user = u.isEmpty ? nil : u
            if pieces.count == 2 {
                guard let p = pieces[1].removingPercentEncoding else { throw refuse("the password is not percent-encoded properly") }
                password = p
            }
        }
        var host: String = ""
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw refuse("an IPv6 host needs its closing ']'") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw refuse("expected ':port' after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = String(hostPort)
        }
        if let h = parameters["host"] { host = h }
        if let p = parameters["port"] { portText = Substring(p) }
        var port = 5432
        if let portText {
            guard let p = Int(portText), (1...65_535).contains(p) else { throw refuse("the port must be 1 to 65535, got '\(portText)'") }
            port = p
        }
        if let sslmode = parameters["sslmode"], sslmode != "disable" {
            throw refuse("sslmode=\(sslmode): TLS to PostgreSQL is not supported yet; use sslmode=disable (or a Unix socket)")
        }
        guard let database = path.removingPercentEncoding else { throw refuse("the database name is not percent-encoded properly") }
        guard !database.contains("/") else { throw refuse("the path must be one database name") }
        let resolvedUser = parameters["user"] ?? user ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        guard !resolvedUser.isEmpty else { throw refuse("the user is empty") }
        self.user = resolvedUser
        self.password = parameters["password"] ?? password
        let db = parameters["dbname"] ?? database
        self.database = db.isEmpty ? resolvedUser : db
        if host.isEmpty { host = "/var/run/postgresql" }
        if host.hasPrefix("/") {
            let socket = "\(host)/.s.PGSQL.\(port)"
            guard socket.utf8.count <= 107 else { throw refuse("the socket path \(socket) is longer than 107 bytes") }
            endpoint = .unix(path: socket)
        } else {
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:".contains($0)) }) else {
                throw refuse("'\(host)' is not a host name or address")
            }
            endpoint = .tcp(host: host, port: port)
        }
    }

    /// For the pool the journal stores share.
    public var clientConfiguration: PostgresClient.Configuration {
        switch endpoint {
        case .unix(let path):
            PostgresClient.Configuration(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
    }

    /// For a lease's session of its own (never a pooled connection: docs/decisions.md).
    public var connectionConfiguration: PostgresConnection.Configuration {
        switch endpoint {
        case .unix(let path):
            PostgresConnection.Configuration(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        }
    }

    /// The URL without its password, for logs and errors.
    public var description: String {
        switch endpoint {
        case .unix(let path): "postgres://\(user)@/\(database) (socket \(path))"
        case .tcp(let host, let port): "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
        }
    }

    /// `text` with any password replaced by `***`, so a refusal never prints a secret.
    static func redacting(_ text: String) -> String {
        var out = text
        if let schemeEnd = out.range(of: "://"), let at = out[schemeEnd.upperBound...].firstIndex(of: "@"),
           let colon = out[schemeEnd.upperBound..<at].firstIndex(of: ":") {
            out.replaceSubrange(out.index(after: colon)..<at, with: "***")
        }
        if let range = out.range(of: #"password=[^&]*"#, options: .regularExpression) {
            out.replaceSubrange(range, with: "password=***")
        }
        return "\"\(out)\""
    }
}
