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
/// - output goes to temporary files, never pipes: a chatty child cannot fill a pipe, and a
///   grandchild that keeps a descriptor open (a browser's helpers do) cannot hold up the read;
/// - the exit arrives through the termination handler, never `waitUntilExit`;
/// - every run has a time limit, after which the child is killed and the result says so.
public enum ChildProcess {
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil, directory: String? = nil,
                           timeLimit: Duration = .seconds(120)) async throws -> ChildOutput {
        let dir = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let outURL = dir.appendingPathComponent("ct-child-\(id).out")
        let errURL = dir.appendingPathComponent("ct-child-\(id).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let killed = Flag()
        let status: Int32 = try await withCheckedThrowingContinuation { c in
            p.terminationHandler = { c.resume(returning: exitStatus(of: $0)) }
            do { try p.run() } catch {
                p.terminationHandler = nil
                c.resume(throwing: error)
                return
            }
            let pid = p.processIdentifier
            Task {
                let deadline = ContinuousClock.now.advanced(by: timeLimit)
                while p.isRunning {
                    if ContinuousClock.now >= deadline {
                        killed.set()
                        kill(pid, SIGKILL)
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(25))
                }
            }
        }
        try? out.close()
        try? err.close()
        return ChildOutput(status: status,
                           stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "",
                           timedOut: killed.isSet)
    }

    /// The exit status of a finished process; a death by signal reads as the negated signal.
    public static func exitStatus(of p: Process) -> Int32 {
        p.terminationReason == .exit ? p.terminationStatus : -p.terminationStatus
    }

    /// Stops a long-running child: SIGTERM, up to `grace` for it to go, then SIGKILL. Returns
    /// false when it ignored SIGTERM (and had to be killed). Polls; never blocks a thread.
    @discardableResult
    public static func stop(_ p: Process, grace: Duration = .seconds(5)) async -> Bool {
        guard p.isRunning else { return true }
        p.terminate()
        if await gone(p, within: grace) { return true }
        kill(p.processIdentifier, SIGKILL)
        _ = await gone(p, within: .seconds(10))
        return false
    }

    /// Waits until `p` has exited, at most `limit`; returns whether it has.
    public static func gone(_ p: Process, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: limit)
        while p.isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
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

/// A one-way flag shared between a timer and the caller.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
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
