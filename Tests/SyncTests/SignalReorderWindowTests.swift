import TestSupport
import CopyTradeCore
import Sync
import Testing

@Suite("Reorder window (SPEC §5)")
struct SignalReorderWindowTests {
    private func ids(_ signals: [MarginSyncSignal]) -> [String] { signals.map(\.id) }

    @Test("two signals delivered out of order within the window come out in occurrence order")
    func reorders() throws {
        var w = try SignalReorderWindow()
        #expect(w.receive(signal(id: "late", occurred: 200), now: 1_000).isEmpty)
        #expect(w.receive(signal(id: "early", occurred: 100), now: 1_100).isEmpty)
        #expect(w.heldCount == 2)
        #expect(w.nextDeadline == 1_500)        // first receipt + 500
        #expect(w.advance(to: 1_499).isEmpty)
        #expect(ids(w.advance(to: 1_500)) == ["early", "late"])
        #expect(w.heldCount == 0)
        #expect(w.nextDeadline == nil)
        #expect(w.advance(to: 9_999).isEmpty)
    }

    @Test("a signal arriving after a later one was released is still released, at its own expiry")
    func lateAfterRelease() throws {
        var w = try SignalReorderWindow()
        _ = w.receive(signal(id: "second", occurred: 200), now: 1_000)
        #expect(ids(w.advance(to: 1_500)) == ["second"])
        #expect(w.receive(signal(id: "first", occurred: 100), now: 2_000).isEmpty)
        #expect(w.nextDeadline == 2_500)
        #expect(ids(w.advance(to: 2_500)) == ["first"])
    }

    @Test("traders are independent")
    func tradersIndependent() throws {
        var w = try SignalReorderWindow()
        _ = w.receive(signal(id: "a1", trader: "alice", occurred: 50), now: 1_000)
        _ = w.receive(signal(id: "b1", trader: "bob", occurred: 10), now: 1_200)
        _ = w.receive(signal(id: "a0", trader: "alice", occurred: 40), now: 1_400)
        #expect(w.nextDeadline == 1_500)
        #expect(ids(w.advance(to: 1_500)) == ["a0", "a1"])     // bob's window is still open
        #expect(w.nextDeadline == 1_700)
        #expect(ids(w.advance(to: 1_700)) == ["b1"])
    }

    @Test("traders due at once come out by deadline, then trader id")
    func severalDue() throws {
        var w = try SignalReorderWindow()
        _ = w.receive(signal(id: "z", trader: "zed", occurred: 1), now: 1_000)
        _ = w.receive(signal(id: "b", trader: "bob", occurred: 1), now: 1_000)
        _ = w.receive(signal(id: "a", trader: "amy", occurred: 1), now: 900)
        #expect(ids(w.advance(to: 5_000)) == ["a", "b", "z"])
    }

    @Test("equal occurrence times are ordered by signal id")
    func ties() throws {
        var w = try SignalReorderWindow()
        _ = w.receive(signal(id: "s-2", occurred: 100), now: 0)
        _ = w.receive(signal(id: "s-3", occurred: 100), now: 10)
        _ = w.receive(signal(id: "s-1", occurred: 100), now: 20)
        #expect(ids(w.advance(to: 500)) == ["s-1", "s-2", "s-3"])
    }

    @Test("a window of 0 releases immediately; receive also releases other due traders")
    func zeroWindowAndReceiveReleases() throws {
        var zero = try SignalReorderWindow(window: 0)
        #expect(ids(zero.receive(signal(id: "now"), now: 5)) == ["now"])
        var w = try SignalReorderWindow(window: 100)
        _ = w.receive(signal(id: "old", trader: "alice"), now: 0)
        #expect(ids(w.receive(signal(id: "new", trader: "bob"), now: 100)) == ["old"])
        #expect(w.heldCount == 1)
        #expect(throws: DomainError.self) { try SignalReorderWindow(window: -1) }
    }

    @Test("random traffic: every signal is released exactly once, per-trader batches in occurrence order, never early")
    func randomTraffic() throws {
        var g = SplitMix64(seed: 0x5EED_2001)
        var w = try SignalReorderWindow(window: 300)
        var received: [String: Millis] = [:]
        var released: [MarginSyncSignal] = []
        var now: Millis = 0
        func check(_ out: [MarginSyncSignal], at time: Millis) {
            for s in out { #expect(time - received[s.id, default: .max] >= 0) }
            released += out
        }
        for i in 0..<5_000 {
            now += g.int(0...120)
            let s = signal(id: String(i), trader: "t\(g.int(0...9))", occurred: now - g.int(0...400))
            received[s.id] = now
            if let deadline = w.nextDeadline, deadline <= now { check(w.advance(to: deadline), at: deadline) }
            check(w.receive(s, now: now), at: now)
        }
        check(w.advance(to: .max), at: .max)
        #expect(released.count == 5_000)
        #expect(Set(released.map(\.id)).count == 5_000)
        #expect(w.heldCount == 0)
    }
}
