import CopyTradeCore
import CopyTradeProto
import Foundation
import Logging
import Testing
import TestSupport
import TTRPC

/// Idempotency keys as exchanges use them (docs/decisions.md, "Idempotency"), through the
/// daemon: a key names one request; the coordinator's own keys cannot be taken; a call whose
/// deadline passed is refused before anything is applied.
@Suite("Idempotency", .timeLimit(.minutes(3)))
struct IdempotencyTests {
    @Test("a key reused for a different request is refused FAILED_PRECONDITION naming the key; the same request is a duplicate")
    func keyReuseForAnotherRequestIsRefused() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "T1", "--role", "trader")
        try await d.must("account", "create", "C1", "--role", "copier")
        try await d.must("deposit", "T1", "10000", "--key", "d1")
        let before = try await d.visibleState()
        for args in [["deposit", "C1", "500", "--key", "d1"], ["deposit", "T1", "10001", "--key", "d1"],
                     ["withdraw", "T1", "10000", "--key", "d1"]] {
            let r = try await d.copyctl(args)
            #expect(!r.ok, "\(args): \(r.summary)")
            #expect(r.error?["code"] as? String == "failedPrecondition", "\(args): \(r.summary)")
            #expect(r.errorField == "key", "\(args): \(r.summary)")
            #expect((r.error?["message"] as? String)?.contains("d1") == true, "\(r.summary)")
        }
        #expect(try await d.visibleState() == before)
        let again = try await d.must("deposit", "T1", "10000", "--key", "d1")
        #expect(again.duplicate == true)
        #expect(try await d.account("C1").decimal("wallet") == .zero)
        #expect(try await d.account("T1").decimal("wallet") == Dec.of("10000"))
        _ = await d.stop()
    }

    @Test("keys in the coordinator's namespaces, too long, or not printable are refused naming the key")
    func reservedAndMalformedKeysAreRefused() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "A", "--role", "trader")
        let started = try await d.status().int("startedMs") ?? 0
        for key in ["auto-\(started)-2", "auto-x", "sync-release:s-5", String(repeating: "k", count: 129), "a b"] {
            let r = try await d.copyctl("deposit", "A", "1", "--key", key)
            #expect(!r.ok && r.errorField == "key", "\(key): \(r.summary)")
        }
        // Plain deposits without a key are each applied once.
        try await d.must("deposit", "A", "500")
        try await d.must("deposit", "A", "500")
        #expect(try await d.account("A").decimal("wallet") == Dec.of("1000"))
        #expect(try await d.history(kind: "deposit", account: "A").count == 2)
        _ = await d.stop()
    }

    @Test("a call whose deadline has already passed is refused DEADLINE_EXCEEDED and never applied")
    func expiredDeadlineIsNotApplied() async throws {
        let d = try await Daemon.start()
        try await d.must("account", "create", "A", "--role", "trader")
        let client = try await TTRPCClient.connect(to: .unix(path: d.socket), logger: Logger(label: "test"))
        var r = Copytrade_V1_TransferRequest()
        r.accountID = "A"
        r.amountE8 = 500 * 100_000_000
        r.key = "late-1"
        do {
            let _: Copytrade_V1_InputResult = try await client.call(service: "copytrade.v1.Control", method: "Deposit", request: r,
                                                                     timeout: .nanoseconds(1))
            Issue.record("an expired call was answered with success")
        } catch let e as TTRPCError {
            #expect(e.code == .deadlineExceeded, "\(e)")
        }
        // The same key with time to spare is applied once, as a new input (nothing was journaled).
        let ok: Copytrade_V1_InputResult = try await client.call(service: "copytrade.v1.Control", method: "Deposit", request: r,
                                                                  timeout: .seconds(30))
        #expect(!ok.duplicate)
        await client.close()
        #expect(try await d.account("A").decimal("wallet") == Dec.of("500"))
        #expect(try await d.history(kind: "deposit", account: "A").count == 1)
        _ = await d.stop()
    }
}
