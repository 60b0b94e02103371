import Calculators
import CopyTradeCore
import Foundation
import Testing
import TestSupport

/// `--via unix:PATH` computes through a `copytrade-module` process; every answer must equal the
/// in-process one, refusals included.
@Suite("Calculators through module sockets", .serialized, .timeLimit(.minutes(2)))
struct ViaSocketTests {
    static let positions: [LiquidationInput] = {
        var out: [LiquidationInput] = []
        for preset in ["bingx", "binance", "okx", "bybit", "hyperliquid"] {
            for (side, mark) in [(Side.long, "19000"), (.short, "21000"), (.long, nil)] as [(Side, Decimal8?)] {
                var i = LiquidationInput()
                i.preset = preset
                i.symbol = "BTCUSDT"
                i.side = side
                i.entry = 20000
                i.quantity = "0.5"
                i.margin = "1000"
                i.mark = mark
                out.append(i)
            }
        }
        var custom = LiquidationInput()
        custom.side = .short
        custom.entry = "1.2345"
        custom.quantity = 1000
        custom.margin = 50
        custom.mmr = "0.01"
        custom.fee = "0.0004"
        custom.tick = "0.0001"
        custom.mark = "1.3"
        out.append(custom)
        var bad = custom
        bad.quantity = .zero
        out.append(bad)
        return out
    }()

    @Test func marginAnswersMatch() async throws {
        let module = try await ModuleProcess.start("margin")
        defer { module.kill() }
        let local = try Calculator(via: nil)
        let remote = try Calculator(via: module.address)
        for input in Self.positions {
            let a = await outcome { try await local.liquidation(input) }
            let b = await outcome { try await remote.liquidation(input) }
            #expect(a == b, "preset \(input.preset) side \(input.side)")
        }
        var walk = AutoMarginInput()
        walk.position = Self.positions[2]
        walk.position.leverage = 10
        walk.available = 1500
        walk.amount = 1000
        walk.orderMargin = 100
        walk.path = ["19000", "18069.2", "16061.5", "15057.7"]
        let a = await outcome { try await local.autoMargin(walk) }
        let b = await outcome { try await remote.autoMargin(walk) }
        #expect(a == b)
        // Cancelling the orders frees 100 more, so the second addition is 600 and the position survives.
        if case .success(let out) = b {
            #expect(out["liquidated"] == .bool(false))
            #expect(out["margin"] == .decimal(2600))
        } else {
            Issue.record("walk failed: \(b)")
        }
        #expect(await module.stop() == 0, "the module did not exit cleanly on SIGTERM")
    }

    @Test func sizingAnswersMatch() async throws {
        let module = try await ModuleProcess.start("sizing")
        defer { module.kill() }
        let local = try Calculator(via: nil)
        let remote = try Calculator(via: module.address)
        var cases: [SizeInput] = []
        for side in [Side.long, .short] {
            for (m, b) in [("0.25", nil), ("1", nil), ("5", nil), (nil, "100"), ("0.0001", nil), ("11", nil)] as [(Decimal8?, Decimal8?)] {
                var i = SizeInput()
                i.mode = m == nil ? .fixed : .proportional
                i.multiplier = m
                i.fixedMargin = b
                i.side = side
                i.fill = 20000
                i.quantity = "0.5"
                i.leverage = 10
                i.symbol = "BTCUSDT"
                i.available = 3000
                cases.append(i)
            }
        }
        for input in cases {
            let a = await outcome { try await local.size(input) }
            let b = await outcome { try await remote.size(input) }
            #expect(a == b)
        }
        var r = RecommendInput()
        r.copierEquity = 10000
        r.traderEquity = 30000
        #expect(await outcome { try await local.recommend(r) } == outcome { try await remote.recommend(r) })
        #expect(await module.stop() == 0, "the module did not exit cleanly on SIGTERM")
    }

    @Test func syncAnswersMatch() async throws {
        let module = try await ModuleProcess.start("sync")
        defer { module.kill() }
        let local = try Calculator(via: nil)
        let remote = try Calculator(via: module.address)
        var cases: [SyncInput] = []
        for (delta, available, maxReducible, received, established) in [
            ("500", "1000", nil, 0, 0), ("500", "10", nil, 0, 0), ("-300", "0", "50", 0, 0), ("333.33333333", "1000", nil, 0, 0),
            ("500", "1000", nil, 61_000, 0), ("500", "1000", nil, 60_000, 0), ("500", "1000", nil, 0, 1), ("0", "1", nil, 0, 0),
        ] as [(Decimal8, Decimal8, Decimal8?, Millis, Millis)] {
            var i = SyncInput()
            i.traderMarginBefore = 1000
            i.delta = delta
            i.copierMargin = "247.4"
            i.available = available
            i.maxReducible = maxReducible
            i.occurred = 0
            i.received = received
            i.established = established
            cases.append(i)
        }
        for input in cases {
            let a = await outcome { try await local.sync(input) }
            let b = await outcome { try await remote.sync(input) }
            #expect(a == b)
        }
        #expect(await module.stop() == 0, "the module did not exit cleanly on SIGTERM")
    }
}

/// A calculator's answer or its refusal, comparable across the two paths.
enum CalcOutcome: Equatable {
    case success(CalcOutput)
    case refused(DomainError)
    case other(String)
}

func outcome(_ body: () async throws -> CalcOutput) async -> CalcOutcome {
    do { return .success(try await body()) } catch let e as DomainError { return .refused(e) } catch { return .other("\(error)") }
}
