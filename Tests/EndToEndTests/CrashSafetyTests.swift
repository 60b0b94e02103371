import CopyTradeCore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SPEC §6: an acknowledged input survives `kill -9` exactly once, and replaying a key is
/// acknowledged without being applied again.
@Suite("Crash safety", .timeLimit(.minutes(3)))
struct CrashSafetyTests {
    /// What the sender saw: acknowledged keys with their sequence and event count.
    actor Acks {
        var acked: [String: (sequence: Int64, events: Int)] = [:]
        var count: Int { acked.count }
        func record(_ key: String, _ r: CtlResult) {
            acked[key] = (r.json.int("sequence") ?? -1, r.events.count)
        }
    }

    @Test("kill -9 mid-stream: acknowledged inputs are there once, totals add up, replays change nothing")
    func killMidStream() async throws {
        let plan = InputPlan.make(count: 200)
        let d = try await Daemon.start()
        let acks = Acks()
        // Send in order until the first input that is not acknowledged (the daemon is gone).
        let sender = Task { () -> Int in
            for (i, input) in plan.enumerated() {
                guard let r = try? await d.copyctl(input.command), r.ok else { return i }
                await acks.record(input.key, r)
            }
            return plan.count
        }
        // Each input is a copyctl launch: on a loaded machine 30 of them can take a while.
        let enough = await eventually(timeout: .seconds(60), every: .milliseconds(5)) { await acks.count >= 30 }
        await d.kill9()
        let stoppedAt = await sender.value
        let ackedCount = await acks.count
        try #require(enough, "only \(ackedCount) inputs were acknowledged before the kill")
        try #require(stoppedAt < plan.count, "the stream finished before the kill")
        let acked = await acks.acked

        try await d.launch()
        let present = try eventCounts(try await d.history(), plan: plan)
        for (key, a) in acked {
            #expect(present[key, default: 0] == a.events, "\(key): \(a.events) events acknowledged, \(present[key, default: 0]) after recovery")
        }
        // Beyond the acknowledged prefix, at most the input in flight at the kill made it in.
        let unacknowledged = Set(present.keys).subtracting(acked.keys)
        #expect(unacknowledged.isSubset(of: [plan[stoppedAt].key]), "\(unacknowledged)")
        try await checkTotals(d, plan, applied: Set(present.keys))
        try await d.checkAccountingIdentity()

        // Re-sending every acknowledged input is answered with its original sequence and changes nothing.
        let before = try await d.visibleState()
        try await forEach(plan.filter { acked[$0.key] != nil }, concurrency: 4) { input in
            let r = try await d.copyctl(input.command)
            #expect(r.ok && r.duplicate == true, "\(input.key): \(r.summary)")
            #expect(r.json.int("sequence") == acked[input.key]?.sequence, "\(input.key)")
        }
        #expect(try await d.visibleState() == before)

        // Finish the stream: the input in flight at the kill is either a duplicate or applied now.
        for input in plan[stoppedAt...] {
            let r = try await d.copyctl(input.command)
            try #require(r.ok, "\(input.key): \(r.summary)")
            if input.key != plan[stoppedAt].key {
                #expect(r.duplicate == false, "\(input.key)")
            } else if present[input.key] != nil {
                #expect(r.duplicate == true, "\(input.key) was recovered but applied again")
            }
        }
        let all = try eventCounts(try await d.history(), plan: plan)
        let marks = Set(plan.filter { $0.args.starts(with: ["price", "set"]) }.map(\.key))
        #expect(Set(plan.map(\.key)).subtracting(marks).isSubset(of: Set(all.keys)))
        try await checkTotals(d, plan, applied: Set(plan.map(\.key)))
        try await d.checkAccountingIdentity()
        #expect(await d.stop() == 0)
    }

    /// Events per input key; every key must be one of the plan's.
    private func eventCounts(_ history: [[String: Any]], plan: [PlannedInput]) throws -> [String: Int] {
        let keys = Set(plan.map(\.key))
        var out: [String: Int] = [:]
        for e in history {
            let key = try #require(e.string("key"))
            #expect(keys.contains(key), "event with an unplanned key: \(e)")
            out[key, default: 0] += 1
        }
        return out
    }

    private func checkTotals(_ d: Daemon, _ plan: [PlannedInput], applied: Set<String>) async throws {
        let expected = try InputPlan.totals(plan, applied: applied)
        for a in try await d.accounts() {
            let id = try #require(a.string("account"))
            let e = try #require(expected[id])
            #expect(a.decimal("deposits") == e.deposits, "\(id) deposits")
            #expect(a.decimal("withdrawals") == e.withdrawals, "\(id) withdrawals")
        }
    }

    private func forEach<T: Sendable>(_ items: [T], concurrency: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < min(concurrency, items.count) {
                let item = items[next]
                group.addTask { try await body(item) }
                next += 1
            }
            while try await group.next() != nil, next < items.count {
                let item = items[next]
                group.addTask { try await body(item) }
                next += 1
            }
            try await group.waitForAll()
        }
    }
}
