import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error for long simulations: steps done/total, rate and ETA,
/// redrawn in place with `\r` at most ten times a second. Silent unless stderr is a terminal.
final class SimulateProgress: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
        var label = ""
    }

    private let state = Mutex(State())
    let enabled: Bool

    init(enabled: Bool) { self.enabled = enabled && isatty(2) != 0 }

    func begin(_ label: String) {
        guard enabled else { return }
        state.withLock { $0 = State(label: label) }
    }

    func update(done: Int, total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { s in
            if let last = s.lastDraw, now - last < .milliseconds(100), done < total { return nil }
            s.lastDraw = now
            s.drawn = true
            let elapsed = Self.seconds(now - s.started)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let width = 28
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            return "\r\(s.label) [\(bar)] \(done)/\(total) steps  \(Int(rate))/s  ETA \(Int(eta.rounded(.up)))s\u{1B}[K"
        }
        if let line { FileHandleStderr.write(line) }
    }

    /// Clears the bar's line.
    func finish() {
        guard enabled else { return }
        let drawn = state.withLock { s in defer { s.drawn = false }; return s.drawn }
        if drawn { FileHandleStderr.write("\r\u{1B}[K") }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
