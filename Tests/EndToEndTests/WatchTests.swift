import CopyTradeCore
import Foundation
import Testing

/// `copyctl watch` streams committed events as they happen.
@Suite("Watch")
struct WatchTests {
    @Test("watch --count N receives the next N events as they are committed, in order")
    func receivesEventsLive() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "W", "--role", "trader")
        let watch = try BackgroundProcess(Binaries.copyctl, ["--socket", d.socket, "--json", "watch", "--count", "3", "--account", "W"])
        // Until the watcher is subscribed, events pass it by; keep causing them until it has three.
        var sent: [String: String] = [:]
        let got = try await eventually(timeout: .seconds(15), every: .milliseconds(1)) {
            let amount = "\(sent.count + 1)"
            let r = try await d.must("deposit", "W", amount)
            if let key = r.events.first?.string("key") { sent[key] = amount }
            return watch.lines.count >= 3 || !watch.isRunning
        }
        try #require(got, "watch printed: \(watch.output)")
        #expect(await watch.wait(timeout: .seconds(10)) == 0)
        let events = watch.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        try #require(events.count == 3, "watch printed: \(watch.output)")
        let sequences = events.compactMap { $0.int("sequence") }
        #expect(sequences.count == 3 && sequences[1] == sequences[0] + 1 && sequences[2] == sequences[1] + 1, "\(sequences)")
        for e in events {
            #expect(e.string("kind") == "deposit")
            #expect(e.string("account") == "W")
            let key = try #require(e.string("key"))
            #expect(e.decimal("amount") == sent[key].map(Dec.of), "\(e)")
        }
        #expect(await d.stop() == 0)
    }

    @Test("watch --after 0 replays history first, then follows")
    func replaysHistoryFirst() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "W", "--role", "trader")
        let watch = try BackgroundProcess(Binaries.copyctl, ["--socket", d.socket, "--json", "watch", "--after", "0", "--count", "3"])
        try #require(await eventually { watch.lines.count >= 1 }, "watch printed: \(watch.output)")
        try await d.must("deposit", "W", "5")
        try await d.must("withdraw", "W", "2")
        #expect(await watch.wait(timeout: .seconds(10)) == 0)
        let kinds = watch.lines.compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?.string("kind")
        }
        #expect(kinds == ["account.created", "deposit", "withdrawal"])
        #expect(await d.stop() == 0)
    }

    @Test("SIGTERM with a watcher connected still exits 0, ending the watch")
    func shutdownEndsWatches() async throws {
        let d = try await Daemon.start()
        let watch = try BackgroundProcess(Binaries.copyctl, ["--socket", d.socket, "--json", "watch", "--after", "0"])
        try await d.must("account", "create", "W", "--role", "trader")
        try #require(await eventually { watch.lines.count >= 1 }, "watch printed: \(watch.output)")
        #expect(await d.stop(timeout: .seconds(10)) == 0, "log:\n\(d.log)")
        #expect(await watch.wait(timeout: .seconds(5)) != nil, "watch still running after the daemon stopped")
    }
}
