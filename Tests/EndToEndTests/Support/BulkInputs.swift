import CopyTradeProto
import Foundation
import Logging
import Testing
import TTRPC

/// Many inputs at once over one ttrpc connection (up to 100 in flight), for tests that need
/// thousands of events or accounts: through `copyctl` each would cost a process.
struct BulkInputs {
    let client: TTRPCClient

    static func connect(_ d: Daemon) async throws -> BulkInputs {
        BulkInputs(client: try await TTRPCClient.connect(to: .unix(path: d.socket), logger: Logger(label: "bulk")))
    }

    func close() async { await client.close() }

    /// Runs `make(i)`'s call for each i in `range`, 100 at a time; each must succeed.
    func run(_ range: Range<Int>, _ make: @escaping @Sendable (Int) -> (String, any SwiftProtobufMessage)) async throws {
        let client = self.client
        for chunk in stride(from: range.lowerBound, to: range.upperBound, by: 100) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in chunk..<min(chunk + 100, range.upperBound) {
                    group.addTask {
                        let (method, request) = make(i)
                        _ = try await client.rawCall(service: "copytrade.v1.Control", method: method,
                                                     payload: try request.serializedBytes() as Data, timeout: .seconds(120))
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// `count` deposits of 1 into `account` (one `deposit` event each).
    func deposits(_ account: String, count: Int) async throws {
        try await run(0..<count) { _ in
            var r = Copytrade_V1_TransferRequest()
            r.accountID = account
            r.amountE8 = 100_000_000
            return ("Deposit", r)
        }
    }
}

import SwiftProtobuf
typealias SwiftProtobufMessage = SwiftProtobuf.Message
