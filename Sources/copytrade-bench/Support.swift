import Foundation
import CopyTradeCore

// MARK: - Timing

/// Monotonic nanoseconds.
@inline(__always) func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func seconds(since start: UInt64) -> Double { Double(nowNanos() - start) / 1e9 }

/// Nearest-rank percentile of sorted samples (the same rule as the Go peer).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
}

// MARK: - Output: a human table per benchmark, or one JSON object per measured row

/// A JSON value written in insertion order, so output is stable and diffable.
enum JSONValue {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null

    var text: String {
        switch self {
        case .string(let s): return JSONText.quoted(s)
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(format: "%.3f", d) : "null"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }
}

struct JSONObject {
    var fields: [(String, JSONValue)] = []
    mutating func set(_ key: String, _ value: JSONValue) {
        if let i = fields.firstIndex(where: { $0.0 == key }) { fields[i].1 = value } else { fields.append((key, value)) }
    }
    subscript(key: String) -> String? {
        get { fields.first { $0.0 == key }.map { if case .string(let s) = $0.1 { return s } else { return $0.1.text } } }
        set { set(key, newValue.map(JSONValue.string) ?? .null) }
    }
    var text: String { "{" + fields.map { "\(JSONText.quoted($0.0)):\($0.1.text)" }.joined(separator: ",") + "}" }
}

/// Collects rows of one benchmark and prints them as a table (or JSON lines).
final class Report {
    let title: String
    let columns: [String]
    let json: Bool
    private var rows: [[String]] = []
    private var notes: [String] = []

    init(_ title: String, columns: [String], json: Bool) {
        self.title = title
        self.columns = columns
        self.json = json
    }

    /// Adds a row: `cells` for the table, `object` printed at once in JSON mode.
    func add(_ cells: [String], json object: JSONObject) {
        rows.append(cells)
        if json {
            print(object.text)
            flushStdout()
        }
    }

    func note(_ text: String) {
        notes.append(text)
        if json {
            var o = JSONObject()
            o.set("bench", .string(title))
            o.set("note", .string(text))
            print(o.text)
            flushStdout()
        }
    }

    /// Prints the table (human mode only).
    func finish() {
        guard !json else { return }
        var widths = columns.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            "| " + cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return i == 0 ? c + pad : pad + c
            }.joined(separator: " | ") + " |"
        }
        print("\n## \(title)\n")
        print(line(columns))
        print("|" + widths.enumerated().map { i, w in i == 0 ? String(repeating: "-", count: w + 2) : String(repeating: "-", count: w + 1) + ":" }.joined(separator: "|") + "|")
        for r in rows { print(line(r)) }
        if !notes.isEmpty {
            print("")
            for n in notes { print("- \(n)") }
        }
        flushStdout()
    }
}

/// Progress lines go to stderr so stdout stays a clean table or JSON stream.
func progress(_ text: String) {
    FileHandle.standardError.write(Data(("… " + text + "\n").utf8))
}

// MARK: - Number formatting

func fmt(_ v: Double, _ digits: Int = 0) -> String {
    let s = String(format: "%.\(digits)f", v)
    // Thousands separators for readability in tables.
    guard digits == 0, abs(v) >= 10_000 else { return s }
    var out = ""
    let neg = s.hasPrefix("-")
    let body = neg ? String(s.dropFirst()) : s
    for (i, ch) in body.enumerated() {
        if i > 0, (body.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (neg ? "-" : "") + out
}

// MARK: - Machine description

struct Machine {
    var cores: Int
    var cpu: String
    var memoryGiB: Double
    var kernel: String
    var swift: String

    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let kb = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Double($0) } } ?? 0
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #if compiler(>=6.3)
        let swift = "Swift 6.3+"
        #else
        let swift = "Swift 6.x"
        #endif
        return Machine(cores: ProcessInfo.processInfo.activeProcessorCount, cpu: model.isEmpty ? "unknown" : model,
                       memoryGiB: kb / 1_048_576, kernel: "Linux \(release)", swift: swift)
    }

    /// The 1, 5 and 15 minute load averages.
    static var loadAverage: String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }

    var summary: String {
        "\(cores) cores (nproc), CPU \(cpu), \(String(format: "%.1f", memoryGiB)) GiB RAM, \(kernel), \(swift), release build"
    }

    func print(json: Bool, command: String) {
        if json {
            var o = JSONObject()
            o.set("bench", .string("machine"))
            o.set("nproc", .int(Int64(cores)))
            o.set("cpu", .string(cpu))
            o.set("memory_gib", .double(memoryGiB))
            o.set("kernel", .string(kernel))
            o.set("command", .string(command))
            o.set("loadavg", .string(Machine.loadAverage))
            Swift.print(o.text)
        } else {
            Swift.print("# copytrade-bench\n")
            Swift.print("Machine: \(summary)")
            Swift.print("Command: \(command)")
            Swift.print("Load average at start (other work on the machine skews figures): \(Machine.loadAverage)")
        }
        flushStdout()
    }
}

/// Keeps a value alive and opaque to the optimizer.
@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// Flushes stdout (so JSON lines and tables interleave correctly with child processes).
func flushStdout() { fflush(nil) }

// MARK: - Memory

/// The process's memory as the kernel and the allocator see it (Linux, glibc).
struct MemoryUse {
    /// Resident pages (/proc/self/statm, second field) times the page size: what the aim counts.
    var residentBytes: Int
    /// Bytes malloc has handed out and not had back (mallinfo2: small chunks plus mmapped
    /// blocks): the state's own size, without freed memory the allocator keeps.
    var heapBytes: Int

    /// Now, after `malloc_trim(0)` so pages freed by earlier steps are given back and a
    /// before/after difference counts only what is live.
    static func now(trim: Bool = true) -> MemoryUse {
        if trim { GlibcMalloc.trim() }
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = statm.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return MemoryUse(residentBytes: pages * Int(sysconf(Int32(_SC_PAGESIZE))), heapBytes: GlibcMalloc.bytesInUse() ?? 0)
    }

    /// Resets the resident high-water mark (VmHWM) so the next ``peakResidentBytes`` is the
    /// peak of one step (Linux 4.0+; ignored where /proc/self/clear_refs cannot be written).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM from /proc/self/status, nil where unavailable.
    static var peakResidentBytes: Int? {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kb * 1024
    }
}

/// glibc's malloc_trim and malloc_info, looked up at run time: Swift's Glibc module does not
/// export <malloc.h>. malloc_info (XML) is used rather than mallinfo2 because a struct
/// returned by value cannot be called through a Swift function pointer portably.
enum GlibcMalloc {
    typealias Trim = @convention(c) (Int) -> Int32
    typealias Info = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32

    /// A libc function by name (RTLD_DEFAULT, which glibc defines as a null handle).
    static func symbol(_ name: String) -> UnsafeMutableRawPointer? { dlsym(nil, name) }

    /// Gives freed pages back to the kernel; returns 1 when some were.
    @discardableResult
    static func trim() -> Int32 {
        guard let p = symbol("malloc_trim") else { return 0 }
        return unsafeBitCast(p, to: Trim.self)(0)
    }

    /// Bytes handed out by malloc and not freed: all arenas' system bytes minus their free
    /// chunks, plus mmapped blocks (the totals malloc_info writes after the per-heap ones).
    static func bytesInUse() -> Int? {
        guard let p = symbol("malloc_info") else { return nil }
        let info = unsafeBitCast(p, to: Info.self)
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let file = open_memstream(&buffer, &size) else { return nil }
        _ = info(0, file)
        fclose(file)
        guard let buffer else { return nil }
        defer { free(buffer) }
        let xml = String(cString: buffer)
        func last(_ tag: String) -> Int? {
            guard let r = xml.range(of: tag, options: .backwards) else { return nil }
            let rest = xml[r.upperBound...]
            guard let s = rest.range(of: "size=\"") else { return nil }
            return Int(rest[s.upperBound...].prefix { $0.isNumber })
        }
        guard let system = last("<system type=\"current\""), let fast = last("<total type=\"fast\""),
              let rest = last("<total type=\"rest\""), let mmap = last("<total type=\"mmap\"") else { return nil }
        return system - fast - rest + mmap
    }
}
