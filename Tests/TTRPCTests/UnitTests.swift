import Foundation
import Testing
@testable import TTRPC

@Suite("Addresses")
struct TTRPCAddressTests {
    @Test(arguments: [
        ("unix:/run/copytrade/ttrpc.sock", TTRPCAddress.unix(path: "/run/copytrade/ttrpc.sock")),
        ("tcp:127.0.0.1:7000", .tcp(host: "127.0.0.1", port: 7000)),
        ("tcp:localhost:0", .tcp(host: "localhost", port: 0)),
        ("tcp:[::1]:9", .tcp(host: "::1", port: 9)),
    ])
    func parses(input: String, expected: TTRPCAddress) throws {
        #expect(try TTRPCAddress(parsing: input) == expected)
        #expect(try TTRPCAddress(parsing: expected.description) == expected)
    }

    @Test(arguments: [
        ("", "must start with"),
        ("http://x", "must start with"),
        ("unix:", "needs a path"),
        ("unix:relative.sock", "absolute"),
        ("unix:/" + String(repeating: "a", count: 200), "at most"),
        ("tcp:host", "tcp:host:port"),
        ("tcp::80", "needs a host"),
        ("tcp:h:99999", "0...65535"),
        ("tcp:h:x", "0...65535"),
    ])
    func rejectsNamingTheRule(input: String, rule: String) {
        #expect {
            try TTRPCAddress(parsing: input)
        } throws: { error in
            (error as? TTRPCAddressError)?.rule.contains(rule) == true
        }
    }
}

@Suite("Status mapping")
struct StatusMappingTests {
    struct Domain: TTRPCStatusConvertible {
        var ttrpcStatus: TTRPCError { TTRPCError(code: .failedPrecondition, message: "margin too low") }
    }
    struct Plain: Error {}

    @Test func mapsErrorsInOnePlace() {
        #expect(TTRPCError.from(TTRPCError(code: .notFound, message: "x"), deadlineExpired: false).code == .notFound)
        #expect(TTRPCError.from(Domain(), deadlineExpired: false)
            == TTRPCError(code: .failedPrecondition, message: "margin too low"))
        #expect(TTRPCError.from(Plain(), deadlineExpired: false).code == .internal)
        #expect(TTRPCError.from(CancellationError(), deadlineExpired: false).code == .cancelled)
        #expect(TTRPCError.from(CancellationError(), deadlineExpired: true).code == .deadlineExceeded)
    }

    @Test func statusRoundTrip() {
        #expect(TTRPCError(status: Google_Rpc_Status()) == nil)
        let error = TTRPCError(code: .resourceExhausted, message: "big")
        #expect(TTRPCError(status: error.rpcStatus) == error)
        var odd = Google_Rpc_Status()
        odd.code = 99
        #expect(TTRPCError(status: odd)?.code == .unknown)
        #expect(StatusCode.allCases.count == 17)
        #expect(StatusCode.deadlineExceeded.description == "DEADLINE_EXCEEDED")
    }
}

@Suite("State machines")
struct StateMachineTests {
    @Test func serverDrainClosesAfterLastCall() {
        var machine = ServerConnectionStateMachine<Int>()
        #expect(machine.receivedRequest(streamID: 1) == .start)
        machine.callStarted(streamID: 1, handle: 10)
        #expect(machine.receivedRequest(streamID: 1) != .start)  // duplicate id
        #expect(machine.receivedRequest(streamID: 2)
            == .reject(TTRPCError(code: .invalidArgument, message: "StreamID must be odd for client initiated streams")))
        #expect(machine.beginDrain() == .none)
        guard case .reject(let error) = machine.receivedRequest(streamID: 3) else {
            Issue.record("draining connection must refuse new calls")
            return
        }
        #expect(error.code == .unavailable)
        #expect(machine.callFinished(streamID: 1) == .close)
    }

    @Test func serverIdleDrainClosesAtOnceAndClosedDrops() {
        var machine = ServerConnectionStateMachine<Int>()
        #expect(machine.beginDrain() == .close)
        var other = ServerConnectionStateMachine<Int>()
        other.callStarted(streamID: 5, handle: 1)
        #expect(other.channelClosed() == [1])
        #expect(other.receivedRequest(streamID: 7) == .drop)
    }

    @Test func clientIdsAreOddAndIncreasing() {
        var table = ClientCallTable<String>()
        var ids: [UInt32] = []
        for name in ["a", "b", "c"] {
            guard case .send(let id) = table.start(name) else { Issue.record("start failed"); return }
            ids.append(id)
        }
        #expect(ids == [1, 3, 5])
        #expect(table.finish(3) == "b")
        #expect(table.finish(3) == nil)
        #expect(Set(table.close()) == ["a", "c"])
        guard case .fail(let error) = table.start("d") else { Issue.record("closed table accepted"); return }
        #expect(error.code == .unavailable)
    }
}

@Suite("Interop echo semantics")
struct InteropEchoTests {
    @Test func echoesFailsAndReadsMetadata() async throws {
        let context = CallContext(service: echoService, method: "Echo", metadata: ["x-k": "v1"])
        #expect(try await InteropEcho.answer(payload("hello"), context: context).text == "hello")
        #expect(try await InteropEcho.answer(payload("metadata:x-k"), context: context).text == "v1")
        #expect(try await InteropEcho.answer(payload("metadata:absent"), context: context).text == "")
        await #expect(throws: TTRPCError(code: .notFound, message: "no: such")) {
            try await InteropEcho.answer(payload("fail:5:no: such"), context: context)
        }
        #expect(try await InteropEcho.answer(payload("sleep:1"), context: context).text == "sleep:1")
    }
}
