import Logging
import Synchronization

/// Decides which of many identical log lines to write: the first, then at most one per
/// interval, each saying how many it stood for.
///
/// A peer refused by the thousand (or an accept loop failing at the descriptor limit) would
/// otherwise write a line per event: 2,000 refused connections wrote 376 KB of warnings
/// (issue 10). Pure value type, so the rule is tested with explicit instants.
struct LogRateLimiter: Sendable {
    enum Decision: Equatable, Sendable {
        /// Write the line; `suppressed` events were swallowed since the last one.
        case log(suppressed: Int)
        case suppress
    }

    let interval: Duration
    private var nextLineAt: ContinuousClock.Instant?
    private var suppressed = 0

    init(interval: Duration) {
        self.interval = interval
    }

    mutating func record(at now: ContinuousClock.Instant) -> Decision {
        if let nextLineAt, now < nextLineAt {
            suppressed += 1
            return .suppress
        }
        defer {
            suppressed = 0
            nextLineAt = now + interval
        }
        return .log(suppressed: suppressed)
    }
}

/// One rate-limited log line shared by every event loop of a server.
final class RateLimitedLog: Sendable {
    private let limiter: Mutex<LogRateLimiter>
    private let level: Logger.Level
    private let message: Logger.Message

    init(_ level: Logger.Level, _ message: Logger.Message, interval: Duration) {
        self.level = level
        self.message = message
        self.limiter = Mutex(LogRateLimiter(interval: interval))
    }

    /// Writes the line unless one was written less than an interval ago; a written line
    /// carries `suppressed` (how many were swallowed before it) when that is not zero.
    func record(_ logger: Logger, metadata: Logger.Metadata) {
        guard logger.logLevel <= level else { return }
        guard case .log(let suppressed) = limiter.withLock({ $0.record(at: .now) }) else { return }
        var metadata = metadata
        if suppressed > 0 { metadata["suppressed"] = "\(suppressed)" }
        logger.log(level: level, message, metadata: metadata)
    }
}
