import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Kernel-reported identity of the process at the other end of a Unix socket.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32?
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32?, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String {
        "uid=\(uid) gid=\(gid)" + (pid.map { " pid=\($0)" } ?? "")
    }

    /// The effective uid of this process, which peers must match by default.
    public static var currentUID: UInt32 { UInt32(geteuid()) }
}

/// Which Unix-socket peers a server accepts, checked right after accept like Go's
/// `UnixSocketRequireSameUser` handshake.
public enum PeerUIDPolicy: Sendable, Hashable {
    /// Only peers running as this process's effective uid (the default).
    case sameUser
    /// Peers whose uid is in the set (add the current uid yourself if it should pass).
    case allowUIDs(Set<UInt32>)
    /// No check; use for sockets protected otherwise.
    case anyUser

    func allows(_ credentials: PeerCredentials) -> Bool {
        switch self {
        case .sameUser: credentials.uid == PeerCredentials.currentUID
        case .allowUIDs(let uids): uids.contains(credentials.uid)
        case .anyUser: true
        }
    }
}

#if os(Linux)
/// Layout of Linux `struct ucred` (pid_t, uid_t, gid_t). Declared here because Glibc only
/// exposes `ucred` under `_GNU_SOURCE`.
private struct LinuxUcred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
private let soPeerCred: Int32 = 17  // SO_PEERCRED in asm-generic/socket.h
#elseif canImport(Darwin)
/// Layout of Darwin `struct xucred`.
private struct DarwinXucred: Sendable {
    var version: UInt32 = 0
    var uid: UInt32 = 0
    var ngroups: Int16 = 0
    var groups: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                 UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
}
#endif

extension PeerCredentials {
    /// Reads the peer's credentials from a connected Unix socket channel.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(
                TTRPCError(code: .unauthenticated, message: "ttrpc: channel offers no socket options"))
        }
        #if os(Linux)
        let future: EventLoopFuture<LinuxUcred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerCred))
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
        #elseif canImport(Darwin)
        let future: EventLoopFuture<DarwinXucred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(0 /* SOL_LOCAL */), name: SocketOptionName(0x001 /* LOCAL_PEERCRED */))
        return future.map { PeerCredentials(pid: nil, uid: $0.uid, gid: $0.groups.0) }
        #else
        return channel.eventLoop.makeFailedFuture(
            TTRPCError(code: .unauthenticated, message: "ttrpc: peer credentials unsupported on this platform"))
        #endif
    }
}
