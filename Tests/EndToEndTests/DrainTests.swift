import CopyTradeCore
import CopyTradeProto
import Foundation
import Testing
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM drains: every accepted call gets its whole answer, and the state after the restart
/// is the one that answer describes (docs/decisions.md, "Transport").
@Suite("Drain on SIGTERM", .timeLimit(.minutes(8)))
struct DrainTests {
    static let e8: Int64 = 100_000_000

    @Test("SIGTERM during a 5,000-copier open: the client receives the whole answer, and the restart matches it")
    func fanOutAnswerSurvivesSigterm() async throws {
        let copiers = 5_000
        let d = try await Daemon.start()
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("deposit", "T", "100000")
        try await d.must("price", "set", "BTCUSDT", "20000")
        let bulk = try await BulkInputs.connect(d)
        try await bulk.run(0..<copiers) { i in
            var r = Copytrade_V1_CreateAccountRequest()
            r.accountID = "C\(i)"
            r.role = .copier
            return ("CreateAccount", r)
        }
        try await bulk.run(0..<copiers) { i in
            var r = Copytrade_V1_TransferRequest()
            r.accountID = "C\(i)"
            r.amountE8 = 10_000 * Self.e8
            return ("Deposit", r)
        }
        try await bulk.run(0..<copiers) { i in
            var r = Copytrade_V1_FollowRequest()
            r.copierID = "C\(i)"
            r.traderID = "T"
            r.mode = .proportional
            r.multiplierE8 = Self.e8 / 10
            r.leverage = 10
            return ("Follow", r)
        }
        await bulk.close()
        let before = try await d.status().int("lastSequence")

        // The open goes out on a socket that reads nothing yet, so its ~1 MB answer is still
        // in the daemon's buffers (or still being decided) when SIGTERM arrives.
        let raw = try RawTTRPCSocket(path: d.socket)
        var open = Copytrade_V1_OpenRequest()
        open.key = "open-5000"
        open.accountID = "T"
        open.symbol = "BTCUSDT"
        open.side = .long
        open.quantityE8 = Self.e8 / 2
        open.priceE8 = 20_000 * Self.e8
        open.leverage = 10
        try raw.send("Open", open, stream: 1)
        try await Task.sleep(for: .milliseconds(300))  // the request is read; the answer not yet
        kill(d.pid, SIGTERM)
        let reply = await raw.reply(stream: 1)
        #expect(!reply.cutMidFrame, "the answer was cut off mid-frame")
        #expect(await d.waitForExit(timeout: .seconds(60)) == 0, "log:\n\(d.log.suffix(2000))")

        try await d.launch()
        let after = try await d.status().int("lastSequence")
        let response = try #require(reply.response, "no answer at all (was the open refused before it was read?)")
        if response.hasStatus, response.status.code != 0 {
            // A clean refusal: nothing was applied.
            #expect(response.status.code == StatusCode.unavailable.rawValue, "\(response.status)")
            #expect(after == before)
        } else {
            let result = try Copytrade_V1_InputResult(serializedBytes: response.payload)
            #expect(Int64(result.sequence) == after)
            let copies = result.events.filter { $0.kind == "copy.opened" }.count
            #expect(copies == copiers, "\(Dictionary(grouping: result.events, by: \.kind).mapValues(\.count))")
            let positions = try await d.positions()
            #expect(positions.count == copiers + 1)
        }
        #expect(await d.stop() == 0)
    }
}
