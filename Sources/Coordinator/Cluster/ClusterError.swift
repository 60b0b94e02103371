/// Why a member of a PostgreSQL cluster refused to start or stopped serving
/// (docs/decisions.md, "PostgreSQL"). Each code has the exit status `copytraded` uses, so a
/// supervisor can tell "fix the command line" from "restart me".
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// `--postgres` is not a URL this build understands: exit 64 (usage).
        case badURL
        /// `--shards` differs from the cluster's, or asks for more than one shard: exit 78 (config).
        case shardCount
        /// PostgreSQL could not be reached or refused us at start: exit 70 (software/unavailable).
        case unreachable
        /// The shard's lease was lost while serving (session ended, epoch moved, append fenced):
        /// exit 75 (temporary failure) so a supervisor restarts the process as a standby.
        case leaseLost
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The process exit status for this error (sysexits.h).
    public var exitStatus: Int32 {
        switch code {
        case .badURL: 64
        case .shardCount: 78
        case .unreachable: 70
        case .leaseLost: 75
        }
    }

    public var description: String { message }
}
