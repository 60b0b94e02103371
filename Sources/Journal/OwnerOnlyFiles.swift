import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Permissions of the files that hold every balance: the data directory 0700, the journal
/// (which also holds the snapshots) and its `-wal`/`-shm` files 0600.
///
/// Set explicitly, never left to the umask: under the usual 022 the data folder came out 0755
/// and the journal 0644, so any local user could read every account (issue 10;
/// docs/decisions.md, "Transport").
public enum OwnerOnlyFiles {
    public static let directoryMode: mode_t = 0o700
    public static let fileMode: mode_t = 0o600

    /// Creates `path` (with missing parents) owner-only, or tightens an existing directory to
    /// owner-only. For a directory the caller owns outright, like the daemon's `--data`.
    public static func prepareDirectory(_ path: String) throws(JournalError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw JournalError(code: .io, message: "data directory \(path) exists and is not a directory")
            }
        } else {
            try createDirectory(path)
        }
        try setMode(path, directoryMode)
    }

    /// Creates a missing directory owner-only; an existing one is left alone (a journal path
    /// may sit in a directory shared with other things, such as /tmp).
    static func createDirectoryIfMissing(_ path: String) throws(JournalError) {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try createDirectory(path)
        try setMode(path, directoryMode)
    }

    /// Creates the journal file empty if missing and makes it 0600 before SQLite opens it:
    /// SQLite gives the `-wal` and `-shm` files it creates the database file's mode.
    static func prepareJournalFile(_ path: String) throws(JournalError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw failure("opening", path) }
        defer { close(fd) }
        guard fchmod(fd, fileMode) == 0 else { throw failure("chmod", path) }
        try tightenCompanions(of: path)
    }

    /// Makes the journal's `-wal` and `-shm` files 0600 where they exist (left over from a
    /// crash, or created by a SQLite that did not copy the mode).
    static func tightenCompanions(of path: String) throws(JournalError) {
        for suffix in ["-wal", "-shm"] {
            let companion = path + suffix
            if chmod(companion, fileMode) != 0, errno != ENOENT { throw failure("chmod", companion) }
        }
    }

    private static func createDirectory(_ path: String) throws(JournalError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: Int(directoryMode)])
        } catch {
            throw JournalError(code: .io, message: "creating directory \(path) failed: \(error)")
        }
    }

    private static func setMode(_ path: String, _ mode: mode_t) throws(JournalError) {
        guard chmod(path, mode) == 0 else { throw failure("chmod", path) }
    }

    private static func failure(_ operation: String, _ path: String) -> JournalError {
        let code = errno
        return JournalError(code: .io, message: "\(operation) \(path) failed: \(String(cString: strerror(code)))")
    }
}
