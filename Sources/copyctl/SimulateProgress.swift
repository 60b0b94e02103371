import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A progress bar on standard error for long simulations: steps done/total, rate and ETA,
/// redrawn in place with `\r` at most ten times a second. Silent unless stderr is a terminal.
final class SimulateProgress: Sendable {
    private struct State {
        /// The first update: the rate is measured from it, so the set-up before the first
        /// step (opening the journal, creating accounts) does not make the first ETA absurd.
        var first: (at: ContinuousClock.Instant, done: Int)?
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
            let first = s.first ?? (now, done)
            s.first = first
            let elapsed = Self.seconds(now - first.at)
            let width = 28
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            var speed = "  --/s  ETA --"
            if elapsed > 0, done > first.done {
                let rate = Double(done - first.done) / elapsed
                speed = "  \(Int(rate))/s  ETA \(Int((Double(total - done) / rate).rounded(.up)))s"
            }
            return "\r\(s.label) [\(bar)] \(done)/\(total) steps\(speed)\u{1B}[K"
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
