import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stand-in for a PostgreSQL server's Unix socket that can be cut: it listens on
/// `directory/.s.PGSQL.port` (a folder of its own, the real server's port number, so a libpq
/// URL `...?host=DIRECTORY&port=PORT` reaches it) and forwards each accepted connection byte
/// for byte to the real socket.
///
/// `cut()` makes the server unreachable for whoever uses the proxy, as a stopped server or a
/// lost network would: every proxied connection is closed at once and the socket file goes
/// (a connect fails with ENOENT, as when the postmaster is down). `restore()` listens and
/// forwards again; the real server never noticed anything but closed client connections.
///
/// Plain sockets and threads (never a Swift concurrency thread): one thread accepts, polling
/// every 20 ms so cut, restore and close are seen promptly; each connection has two threads,
/// one per direction, blocked in `recv`. A descriptor is closed only once both directions are
/// done, under the same lock `cut()` shuts them down with, so no number is ever reused under a
/// thread still using it. `close()` (or deinit) stops everything and removes the folder.
public final class UnixSocketProxy: Sendable {
    /// The proxy's own folder: `host=` in the URL.
    public let directory: String
    /// The real server's port number, reused for the proxy's socket name.
    public let port: Int
    /// The real server's socket, where connections are forwarded.
    public let target: String
    private let core: Core

    /// The socket clients connect to: `directory/.s.PGSQL.port`.
    public var socketPath: String { "\(directory)/.s.PGSQL.\(port)" }

    /// A proxy in front of the tests' PostgreSQL server.
    public convenience init(forwardingTo server: PostgresServer) throws {
        try self.init(target: server.socketPath, port: server.port)
    }

    /// A proxy listening at once, forwarding to the Unix socket `target`.
    public init(target: String, port: Int) throws {
        var template = Array("/tmp/ct-px-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw ProxyError("mkdtemp: \(String(cString: strerror(errno)))") }
        let directory = String(cString: template.map { $0 })
        // Whoever connects (a daemon under another user, too) may reach the socket inside.
        chmod(directory, 0o755)
        self.directory = directory
        self.port = port
        self.target = target
        let path = "\(directory)/.s.PGSQL.\(port)"
        let listener: Int32
        do {
            listener = try Core.listen(at: path)
        } catch {
            rmdir(directory)
            throw error
        }
        core = Core(path: path, directory: directory, target: target, listener: listener)
        let core = self.core
        let thread = Thread { core.acceptLoop() }
        thread.name = "unix-socket-proxy accept"
        thread.start()
    }

    deinit { core.close() }

    /// Closes every proxied connection and refuses new ones (the socket file is removed) until
    /// `restore()`. Returns once no byte can be forwarded any more.
    public func cut() { core.cut() }

    /// Listens and forwards again after `cut()`; nothing when not cut.
    public func restore() throws { try core.restore() }

    /// Stops for good: every connection closed, the listener too, the folder removed.
    public func close() { core.close() }

    /// Whether the proxy is cut now.
    public var isCut: Bool { core.isCut }
    /// Connections accepted and forwarded so far (those refused while cut not counted).
    public var forwarded: Int { core.forwarded }
    /// Connections being forwarded now.
    public var open: Int { core.open }
}

public struct ProxyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - The shared state the threads run on

private final class Core: Sendable {
    let path: String
    let directory: String
    let target: String
    private let state: Mutex<State>

    struct State {
        /// The listening descriptor the accept thread should use; nil while cut or closed.
        var wanted: Int32?
        /// The one the accept thread has taken up (it alone closes it once replaced).
        var adopted: Int32?
        var cut = false
        var closed = false
        var links: [ObjectIdentifier: Link] = [:]
        var forwarded = 0
    }

    init(path: String, directory: String, target: String, listener: Int32) {
        self.path = path
        self.directory = directory
        self.target = target
        state = Mutex(State(wanted: listener))
    }

    var isCut: Bool { state.withLock { $0.cut } }
    var forwarded: Int { state.withLock { $0.forwarded } }
    var open: Int { state.withLock { $0.links.count } }

    func cut() {
        let links = state.withLock { s -> [Link] in
            guard !s.closed, !s.cut else { return [] }
            s.cut = true
            Self.replaceWanted(&s, with: nil)
            return Array(s.links.values)
        }
        unlink(path)
        for link in links { link.shutDown() }
    }

    func restore() throws {
        guard state.withLock({ !$0.closed && $0.cut }) else { return }
        let listener = try Self.listen(at: path)
        let used = state.withLock { s -> Bool in
            guard !s.closed, s.cut else { return false }
            s.cut = false
            Self.replaceWanted(&s, with: listener)
            return true
        }
        if !used { Glibc.close(listener) }
    }

    func close() {
        let links = state.withLock { s -> [Link] in
            guard !s.closed else { return [] }
            s.closed = true
            Self.replaceWanted(&s, with: nil)
            return Array(s.links.values)
        }
        for link in links { link.shutDown() }
        unlink(path)
        rmdir(directory)
    }

    /// A listening descriptor the accept thread has not taken up is closed by whoever replaces it.
    private static func replaceWanted(_ s: inout State, with new: Int32?) {
        if let old = s.wanted, old != s.adopted { Glibc.close(old) }
        s.wanted = new
    }

    /// Accepts until closed, following the wanted listener.
    func acceptLoop() {
        var current: Int32?
        while true {
            let (replaced, closed) = state.withLock { s -> (Int32?, Bool) in
                var replaced: Int32?
                if s.adopted != s.wanted {
                    replaced = s.adopted
                    s.adopted = s.wanted
                }
                return (replaced, s.closed)
            }
            if let replaced { Glibc.close(replaced) }
            current = state.withLock { $0.adopted }
            if closed {
                if let current { Glibc.close(current) }
                state.withLock { $0.adopted = nil }
                return
            }
            guard let listener = current else {
                usleep(20_000)
                continue
            }
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 20) > 0 else { continue }
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno != EINTR && errno != EAGAIN && errno != ECONNABORTED { usleep(20_000) }
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let thread = Thread { [self] in forward(client: fd) }
            thread.name = "unix-socket-proxy link"
            thread.start()
        }
    }

    /// Connects to the target and pumps both ways until either side ends or the proxy cuts.
    private func forward(client: Int32) {
        let server: Int32
        do {
            server = try Self.connect(to: target)
        } catch {
            Glibc.close(client)
            return
        }
        let link = Link(client: client, server: server)
        let accepted = state.withLock { s -> Bool in
            guard !s.cut, !s.closed else { return false }
            s.links[ObjectIdentifier(link)] = link
            s.forwarded += 1
            return true
        }
        guard accepted else {
            Glibc.close(client)
            Glibc.close(server)
            return
        }
        let back = Thread { [self] in
            Self.pump(from: server, to: client)
            finish(link)
        }
        back.name = "unix-socket-proxy pump"
        back.start()
        Self.pump(from: client, to: server)
        finish(link)
    }

    private func finish(_ link: Link) {
        link.shutDown()
        if link.pumpEnded() { _ = state.withLock { $0.links.removeValue(forKey: ObjectIdentifier(link)) } }
    }

    /// Copies bytes until end of file or an error on either side.
    private static func pump(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(source, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { send(destination, $0.baseAddress! + sent, n - sent, noSignal) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { return }
                sent += w
            }
        }
    }

    // MARK: Sockets

    static func listen(at path: String) throws -> Int32 {
        let fd = try socketFD()
        unlink(path)
        let bound = withAddress(path) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ProxyError("bind \(path): \(reason)")
        }
        chmod(path, 0o777)
        guard Glibc.listen(fd, 128) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ProxyError("listen \(path): \(reason)")
        }
        return fd
    }

    static func connect(to path: String) throws -> Int32 {
        let fd = try socketFD()
        while true {
            let rc = withAddress(path) { Glibc.connect(fd, $0, $1) }
            if rc == 0 { return fd }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ProxyError("connect \(path): \(reason)")
        }
    }

    private static func socketFD() throws -> Int32 {
        #if os(Linux)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        if fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        #endif
        guard fd >= 0 else { throw ProxyError("socket: \(String(cString: strerror(errno)))") }
        return fd
    }

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long: \(path)")
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    #if os(Linux)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let noSignal: Int32 = 0
    #endif
}

/// One proxied connection: the client's descriptor and the server's.
private final class Link: Sendable {
    let client: Int32
    let server: Int32
    /// True while both descriptors are open; shut down and closed under this lock only.
    private let isOpen = Mutex(true)
    private let pumps = Atomic<Int>(2)

    init(client: Int32, server: Int32) {
        self.client = client
        self.server = server
    }

    /// Ends both directions: each pump's `recv` returns, and the peers see the connection close.
    func shutDown() {
        isOpen.withLock { open in
            guard open else { return }
            Glibc.shutdown(client, Int32(SHUT_RDWR))
            Glibc.shutdown(server, Int32(SHUT_RDWR))
        }
    }

    /// One direction is done; the last one closes both descriptors and returns true.
    func pumpEnded() -> Bool {
        guard pumps.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 else { return false }
        isOpen.withLock { open in
            open = false
            Glibc.close(client)
            Glibc.close(server)
        }
        return true
    }
}
