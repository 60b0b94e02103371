import CopyTradeCore
import TTRPC

/// The four modules a coordinator routes.
public enum ModuleName: String, Sendable, CaseIterable, Codable, Comparable {
    case pricing, margin, sizing, sync
    public static func < (a: ModuleName, b: ModuleName) -> Bool { a.rawValue < b.rawValue }

    /// Parses a module name, naming `field` and the valid ones when unknown.
    public init(parsing text: String, field: String = "module") throws(DomainError) {
        guard let m = ModuleName(rawValue: text) else {
            throw DomainError.invalid(field, "must be pricing, margin, sizing or sync, got \"\(text)\"")
        }
        self = m
    }
}

/// Where one module runs (ARCHITECTURE.md "Plugins"): inside the coordinator, as an external
/// service at an address, or as an executable the coordinator launches and supervises.
public enum ModuleRoute: Sendable, Hashable {
    case inProcess
    /// A long-running service: `unix:/path` or `tcp:host:port`, optionally with TLS and a token.
    case address(TTRPCAddress, security: RouteSecurity)
    /// A launched plugin: the executable and its arguments.
    case exec([String], launch: LaunchOptions)

    public var kind: String {
        switch self {
        case .inProcess: "inprocess"
        case .address: "address"
        case .exec: "exec"
        }
    }

    public var summary: String {
        switch self {
        case .inProcess: "in process"
        case .address(let a, _): a.description
        case .exec(let argv, _): argv.joined(separator: " ")
        }
    }
}

/// TLS and token settings for a remote module.
public struct RouteSecurity: Sendable, Hashable {
    public var caFile: String?
    public var certFile: String?
    public var keyFile: String?
    public var serverName: String?
    public var token: String?
    public init(caFile: String? = nil, certFile: String? = nil, keyFile: String? = nil, serverName: String? = nil, token: String? = nil) {
        self.caFile = caFile
        self.certFile = certFile
        self.keyFile = keyFile
        self.serverName = serverName
        self.token = token
    }
}

/// How a launched plugin is started and supervised.
public struct LaunchOptions: Sendable, Hashable {
    /// `fd3` passes an already connected socket as file descriptor 3; `handshake` reads the
    /// plugin's `COPYTRADE-PLUGIN|1|unix|/path` line from its stdout and connects there.
    public enum Mode: String, Sendable, Hashable, Codable { case fd3, handshake }
    public var mode: Mode = .fd3
    /// How long the plugin has to answer Health after start.
    public var startTimeoutMs: Int64 = 5_000
    /// Time between Shutdown and SIGKILL.
    public var shutdownGraceMs: Int64 = 2_000
    /// Deadline of every call to the plugin.
    public var callTimeoutMs: Int64 = 5_000
    /// Extra environment variables.
    public var environment: [String: String] = [:]
    public init() {}
}
