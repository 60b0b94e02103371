import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a finished program printed and how it ended.
public struct ChildOutput: Sendable, CustomStringConvertible {
    /// The exit status; for a death by signal, the negated signal number.
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// True when the program outlived its time limit and was killed.
    public var timedOut: Bool

    public var description: String {
        "exit \(status)\(timedOut ? " (killed at its time limit)" : "")\nstdout: \(stdout)\nstderr: \(stderr)"
    }
}

/// Runs programs for the tests without ever blocking a Swift concurrency thread and without
/// waiting forever. The tests share a cooperative pool as wide as the machine has cores (two
/// here); one blocking wait on a child can stall every other test. So:
/// - the child is a `Spawned` (which says why not Foundation's `Process`);
/// - output goes to temporary files, never pipes: a chatty child cannot fill a pipe, and a
///   grandchild that keeps a descriptor open (a browser's helpers do) cannot hold up the read;
/// - every run has a time limit, after which the child is killed and the result says so.
public enum ChildProcess {
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil, directory: String? = nil,
                           timeLimit: Duration = .seconds(120)) async throws -> ChildOutput {
        let dir = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let outPath = dir.appendingPathComponent("ct-child-\(id).out").path
        let errPath = dir.appendingPathComponent("ct-child-\(id).err").path
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let child = try Spawned(executable, arguments, environment: environment, directory: directory,
                                stdout: .file(outPath), stderr: .file(errPath))
        var status = await child.wait(within: timeLimit)
        let timedOut = status == nil
        if timedOut {
            child.kill9()
            status = await child.wait(within: .seconds(10))
        }
        return ChildOutput(status: status ?? -SIGKILL,
                           stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                           timedOut: timedOut)
    }

    /// Reads `handle` on a thread of its own (so no pool thread blocks) until `line` appears,
    /// the writer closes it, or `limit` passes. Returns what was read and whether `line` came.
    public static func waitForLine(_ line: String, on handle: FileHandle,
                                   within limit: Duration = .seconds(15)) async -> (found: Bool, text: String) {
        let reader = LineReader(handle: handle, line: line)
        return await withCheckedContinuation { c in
            reader.start { c.resume(returning: $0) }
            Task {
                try? await Task.sleep(for: limit)
                reader.finish()
            }
        }
    }
}

/// Reads a file handle on a dedicated thread until a line appears; answers exactly once, when
/// the line is seen, the handle ends, or `finish()` is called (the time limit).
final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private let line: String
    private let lock = NSLock()
    private var seen = ""
    private var answer: (@Sendable ((found: Bool, text: String)) -> Void)?

    init(handle: FileHandle, line: String) {
        self.handle = handle
        self.line = line
    }

    func start(_ answer: @escaping @Sendable ((found: Bool, text: String)) -> Void) {
        lock.withLock { self.answer = answer }
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                let done: Bool = lock.withLock {
                    seen += String(decoding: chunk, as: UTF8.self)
                    return chunk.isEmpty || seen.contains(line) || answer == nil
                }
                if done { break }
            }
            finish()
        }
        thread.start()
    }

    /// Answers with what has been read so far (once; later calls do nothing).
    func finish() {
        let reply: (@Sendable ((found: Bool, text: String)) -> Void)?
        let result: (found: Bool, text: String)
        lock.lock()
        reply = answer
        answer = nil
        result = (seen.contains(line), seen)
        lock.unlock()
        reply?(result)
    }
}
