#if canImport(Glibc)
import Glibc

/// glibc's `_np` spawn file actions, which its Swift module does not export, looked up at run
/// time. `closeFrom` is what keeps a child (a plugin, a test's daemon) from inheriting every
/// descriptor its parent has open: listening sockets, the journal, other children's pipes.
public enum SpawnFileActions {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    nonisolated(unsafe) private static let library = dlopen(nil, RTLD_NOW)
    nonisolated(unsafe) private static let closeFromFunction: CloseFrom = {
        guard let f = dlsym(library, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(f, to: CloseFrom.self)
    }()
    nonisolated(unsafe) private static let chdirFunction: ChangeDirectory = {
        guard let f = dlsym(library, "posix_spawn_file_actions_addchdir_np") else {
            fatalError("glibc 2.29 or later is needed (posix_spawn_file_actions_addchdir_np)")
        }
        return unsafeBitCast(f, to: ChangeDirectory.self)
    }()

    /// In the child, closes every descriptor from `lowest` up (after the earlier actions ran).
    @discardableResult
    public static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Int32 {
        closeFromFunction(&actions, lowest)
    }

    /// In the child, changes the working directory.
    @discardableResult
    public static func changeDirectory(_ actions: inout posix_spawn_file_actions_t, _ path: String) -> Int32 {
        chdirFunction(&actions, path)
    }
}
#endif
