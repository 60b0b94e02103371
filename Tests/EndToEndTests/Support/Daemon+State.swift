import CopyTradeCore
import Foundation
import Testing

/// Reads of the daemon's state through `copyctl`, as a user would make them.
extension Daemon {
    /// Runs a command that must succeed, failing the test with its output otherwise.
    @discardableResult
    func must(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) async throws -> CtlResult {
        try await copyctlMust(args, sourceLocation: sourceLocation)
    }

    @discardableResult
    func copyctlMust(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CtlResult {
        let r = try await copyctl(args)
        try #require(r.ok, "copyctl \(args.joined(separator: " ")) failed:\n\(r.summary)", sourceLocation: sourceLocation)
        return r
    }

    func positions(account: String = "") async throws -> [[String: Any]] {
        try await must("position", "list", "--account", account).positions
    }

    /// The account's position on a symbol (its copy, for a copier).
    func position(of account: String, _ symbol: String = "BTCUSDT") async throws -> [String: Any]? {
        try await positions(account: account).first { $0.string("symbol") == symbol }
    }

    func margin(of account: String, _ symbol: String = "BTCUSDT") async throws -> Decimal8? {
        try await position(of: account, symbol)?.decimal("margin")
    }

    func account(_ id: String) async throws -> [String: Any] {
        try await must("account", "show", id).json
    }

    func accounts() async throws -> [[String: Any]] {
        try await must("account", "list").accounts
    }

    func history(kind: String = "", account: String = "") async throws -> [[String: Any]] {
        try await must("history", "--kind", kind, "--account", account, "--limit", "100000").events
    }

    func status() async throws -> [String: Any] {
        try await must("status").json
    }

    /// Everything a user can see of the state, minus what changes on its own (start time):
    /// accounts, positions, orders' effect on balances, status counters and insurance.
    func visibleState() async throws -> String {
        var status = try await status()
        status["startedMs"] = nil
        let parts: [Any] = [try await accounts(), try await positions(), status]
        let data = try JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until the history holds `count` events whose kind starts with `kind`.
    func waitForEvents(kind: String, count: Int, timeout: Duration = .seconds(10)) async throws -> [[String: Any]] {
        var last: [[String: Any]] = []
        let ok = try await eventually(timeout: timeout) {
            last = try await history(kind: kind)
            return last.count >= count
        }
        try #require(ok, "expected \(count) \(kind) events, history has \(last.count): \(last)")
        return last
    }

    /// The accounting identity of SPEC §7 for every account.
    func checkAccountingIdentity(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for a in try await accounts() {
            let d = try #require(a.decimal("deposits")), w = try #require(a.decimal("withdrawals"))
            let pnl = try #require(a.decimal("realizedPnl")), fees = try #require(a.decimal("fees"))
            let wallet = try #require(a.decimal("wallet"))
            // Profit sharing (docs/protections.md): what an account paid and received.
            let paid = a.decimal("profitSharePaid") ?? .zero, received = a.decimal("profitShareReceived") ?? .zero
            #expect(try d - w + pnl - fees - paid + received == wallet,
                    "deposits - withdrawals + realizedPnl - fees - paid + received != wallet for \(a)", sourceLocation: sourceLocation)
        }
    }
}

extension Array where Element == [String: Any] {
    /// Events or rows of one account.
    func of(_ account: String) -> [[String: Any]] { filter { $0.string("account") == account } }
    func kind(_ kind: String) -> [[String: Any]] { filter { $0.string("kind") == kind } }
}
