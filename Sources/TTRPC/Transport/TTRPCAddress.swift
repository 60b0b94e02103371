/// Where a ttrpc server listens or a client connects.
///
/// Parsed from the strings used in configuration: `unix:/path/to/sock` (the default transport,
/// local only) or `tcp:host:port` (opt-in, for tests and remote peers).
public enum TTRPCAddress: Sendable, Hashable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    /// Linux `sun_path` holds 108 bytes including the terminating NUL.
    public static let maxUnixPathBytes = 107

    /// Parses `unix:/absolute/path` or `tcp:host:port` (IPv6 hosts in brackets: `tcp:[::1]:7000`).
    public init(parsing string: String) throws(TTRPCAddressError) {
        if string.hasPrefix("unix:") {
            let path = String(string.dropFirst("unix:".count))
            guard !path.isEmpty else {
                throw TTRPCAddressError(input: string, rule: "unix address needs a path after 'unix:'")
            }
            guard path.hasPrefix("/") else {
                throw TTRPCAddressError(input: string, rule: "unix socket path must be absolute")
            }
            guard path.utf8.count <= Self.maxUnixPathBytes else {
                throw TTRPCAddressError(
                    input: string, rule: "unix socket path must be at most \(Self.maxUnixPathBytes) bytes")
            }
            self = .unix(path: path)
        } else if string.hasPrefix("tcp:") {
            let rest = Substring(string.dropFirst("tcp:".count))
            guard let colon = rest.lastIndex(of: ":") else {
                throw TTRPCAddressError(input: string, rule: "tcp address must be tcp:host:port")
            }
            var host = rest[..<colon]
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty else {
                throw TTRPCAddressError(input: string, rule: "tcp address needs a host")
            }
            guard let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
                throw TTRPCAddressError(input: string, rule: "tcp port must be an integer in 0...65535")
            }
            self = .tcp(host: String(host), port: port)
        } else {
            throw TTRPCAddressError(input: string, rule: "address must start with 'unix:' or 'tcp:'")
        }
    }

    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "tcp:[\(host)]:\(port)" : "tcp:\(host):\(port)"
        }
    }
}

/// An address string broke one of the parsing rules; `rule` says which.
public struct TTRPCAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    public var input: String
    public var rule: String

    public var description: String { "invalid ttrpc address '\(input)': \(rule)" }
}
