import CopyTradeCore
import Foundation
import Testing

/// `copyctl watch` streams committed events as they happen.
@Suite("Watch", .timeLimit(.minutes(3)))
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

    /// A watcher that subscribes while inputs commit must not get an event twice: an event can
    /// be in the journal (its history) before its commit is published live.
    @Test("watchers subscribing while deposits commit get each event once, in order")
    func subscribingUnderLoadNeverRepeats() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "W", "--role", "trader")
        // Three clients deposit without pause, so commits land while each watcher subscribes.
        let depositing = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 1...3 {
                    group.addTask {
                        var n = 0
                        while !Task.isCancelled {
                            n += 1
                            _ = try? await d.copyctl("deposit", "W", "\(client).\(n)")
                        }
                    }
                }
            }
        }
        defer { depositing.cancel() }
        var watchers: [BackgroundProcess] = []
        for _ in 0..<20 {
            watchers.append(try BackgroundProcess(Binaries.copyctl, ["--socket", d.socket, "--json", "watch", "--count", "4", "--account", "W"]))
            try await Task.sleep(for: .milliseconds(10))
        }
        for (i, w) in watchers.enumerated() {
            #expect(await w.wait(timeout: .seconds(20)) == 0, "watcher \(i) printed: \(w.output)")
            let sequences = w.lines.compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?.int("sequence")
            }
            #expect(sequences.count == 4, "watcher \(i) printed: \(w.output)")
            #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 }, "watcher \(i): \(sequences)")
        }
        depositing.cancel()
        _ = await depositing.value
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
