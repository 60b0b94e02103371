import CopyTradeCore

/// The seed scenario: trader T; copiers A, B and C following with multipliers 0.25, 1
/// and 5 at 10x; BTCUSDT mark 20000; T opens long 0.5 @ 20000 10x (margin 1000). C's balance
/// is small: after its copy (margin 4950.2, fee 24.751) it has 1025.049 available.
enum SeedScenario {
    struct Copier: Sendable, CustomTestStringConvertible {
        var id: String
        var multiplier: String
        var deposit: String
        var testDescription: String { "\(id) x\(multiplier)" }
    }

    static let copiers = [
        Copier(id: "A", multiplier: "0.25", deposit: "100000"),
        Copier(id: "B", multiplier: "1", deposit: "100000"),
        Copier(id: "C", multiplier: "5", deposit: "6000"),
    ]

    /// A daemon holding the scenario after T's open; the copiers follow now, or at `followAt`.
    static func start(reorderWindowMs: Int? = 100, followAt: Int64? = nil) async throws -> Daemon {
        let d = try await Daemon.start(reorderWindowMs: reorderWindowMs)
        try await d.must("account", "create", "T", "--role", "trader")
        try await d.must("deposit", "T", "100000")
        for c in copiers {
            try await d.must("account", "create", c.id, "--role", "copier")
            try await d.must("deposit", c.id, c.deposit)
            try await d.copyctlMust(["follow", c.id, "T", "--multiplier", c.multiplier, "--leverage", "10"]
                                    + (followAt.map { ["--at", "\($0)"] } ?? []))
        }
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "T", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        return d
    }
}

import Testing
