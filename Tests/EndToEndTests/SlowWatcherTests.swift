import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// A `watch` client too slow to keep up is ended RESOURCE_EXHAUSTED with the sequence to resume
/// from, never followed without bound nor silently skipped (docs/decisions.md, "Coordinator").
@Suite("Slow watchers", .timeLimit(.minutes(5)))
struct SlowWatcherTests {
    @Test("watchers that stop reading are ended past the buffer bound; the resume sequence continues exactly")
    func stuckWatcherIsEndedWithResumeSequence() async throws {
        let d = try await Daemon.start(flags: ["--watch-buffer-events", "100"])
        try await d.must("account", "create", "W", "--role", "trader")
        // One watcher on a bare socket that reads nothing, one copyctl that is stopped.
        let raw = try RawTTRPCSocket(path: d.socket)
        var request = Copytrade_V1_WatchRequest()
        request.afterSequence = 0
        try raw.send("Watch", request, stream: 1)
        let ctl = try BackgroundProcess(Binaries.copyctl, ["--socket", d.socket, "--json", "watch", "--after", "0"])
        try #require(await eventually { ctl.lines.count >= 1 }, "watch printed: \(ctl.output)")
        ctl.signal(SIGSTOP)
        // Far more events than the socket buffers and the 100-event bound hold.
        let deposits = 4_000
        let bulk = try await BulkInputs.connect(d)
        try await bulk.deposits("W", count: deposits)
        await bulk.close()
        let total = UInt64(deposits + 1)
        // Both watchers are ended (their events released), while neither has read.
        let ended = await eventually(timeout: .seconds(30)) {
            d.log.components(separatedBy: "watch fell behind: ended").count - 1 >= 2
        }
        #expect(ended, "log:\n\(d.log)")

        // The raw client now reads: every event up to the resume sequence, in order, then the status.
        let reply = await raw.reply(stream: 1)
        #expect(!reply.cutMidFrame)
        let sequences = try reply.data.map { try Copytrade_V1_Event(serializedBytes: $0).sequence }
        let response = try #require(reply.response, "no response after \(sequences.count) events")
        #expect(response.status.code == StatusCode.resourceExhausted.rawValue, "\(response.status)")
        let resume = try #require(Self.resumeSequence(response.status.message), "\(response.status.message)")
        #expect(sequences == Array(1...resume), "got \(sequences.count) events, resume \(resume)")
        #expect(resume < total)

        // Resuming from it yields every later event exactly once.
        let rest = try await d.copyctl("watch", "--after", "\(resume)", "--count", "\(total - resume)")
        #expect(rest.ok, "\(rest.summary)")
        let resumed: [UInt64] = rest.stdout.split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(String(line).utf8)) as? [String: Any]
            return object?.int("sequence").map { UInt64($0) }
        }
        #expect(resumed == Array((resume + 1)...total))

        // copyctl prints the hint and exits non-zero.
        ctl.signal(SIGCONT)
        #expect(await ctl.wait(timeout: .seconds(30)) == 1, "watch printed: \(ctl.output.suffix(500))")
        let last = try #require(ctl.lines.last)
        let error = (try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])?["error"] as? [String: Any]
        let message = try #require(error?["message"] as? String, "\(last)")
        let ctlResume = try #require(Self.resumeSequence(message), "\(message)")
        let printed: [UInt64] = ctl.lines.dropLast().compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?.int("sequence").map { UInt64($0) }
        }
        #expect(printed == Array(1...ctlResume))
        #expect(error?["code"] as? String == "RESOURCE_EXHAUSTED")

        // history --after N deep in the journal: exactly the next events (read via the index).
        let page = try await d.must("history", "--after", "3000", "--limit", "10").events
        #expect(page.compactMap { $0.int("sequence") } == Array(3_001...3_010))
        #expect(page.allSatisfy { $0.string("kind") == "deposit" && $0.string("account") == "W" })
        #expect(await d.stop() == 0)
    }

    /// N in "resume with --after N".
    static func resumeSequence(_ message: String) -> UInt64? {
        guard let range = message.range(of: "resume with --after ") else { return nil }
        return UInt64(message[range.upperBound...].prefix { $0.isNumber })
    }
}
