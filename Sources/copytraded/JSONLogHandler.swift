import CopyTradeCore
import Foundation
import Logging
import Synchronization

/// `--log-format json`: one JSON object per line on stderr —
/// `{"timestamp":"2026-11-20T10:00:00.123Z","level":"info","label":"copytraded","message":"...","metadata":{"key":"d1","sequence":"7"}}` —
/// so a log pipeline can filter by input key and sequence without parsing prose. Strings go
/// through CopyTradeCore's `JSONText`, the project's one escaper.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let own = event.metadata { all.merge(own) { $1 } }
        var line = "{\"timestamp\":" + JSONText.quoted(Self.timestamp(Date()))
        line += ",\"level\":" + JSONText.quoted(event.level.rawValue)
        line += ",\"label\":" + JSONText.quoted(label)
        line += ",\"message\":" + JSONText.quoted(event.message.description)
        line += ",\"metadata\":" + Self.object(all)
        line += "}\n"
        Self.write(line)
    }

    /// Metadata as a JSON object, keys sorted so equal lines compare equal; nested
    /// dictionaries and arrays stay nested.
    static func object(_ m: Logger.Metadata) -> String {
        "{" + m.keys.sorted().map { JSONText.quoted($0) + ":" + value(m[$0]!) }.joined(separator: ",") + "}"
    }

    static func value(_ v: Logger.Metadata.Value) -> String {
        switch v {
        case .string(let s): JSONText.quoted(s)
        case .stringConvertible(let c): JSONText.quoted(c.description)
        case .dictionary(let d): object(d)
        case .array(let a): "[" + a.map(value).joined(separator: ",") + "]"
        }
    }

    /// UTC, millisecond precision, ISO 8601 (what `--at` accepts back).
    static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(ms / 1000)
        var t = tm()
        gmtime_r(&seconds, &t)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T"
            + "\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(ms % 1000), 3))Z"
    }

    /// One `write(2)` per line under a lock, so lines from several threads never interleave.
    private static let lock = Mutex(())
    static func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            bytes.withUnsafeMutableBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let n = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                    offset += n
                }
            }
        }
    }
}
