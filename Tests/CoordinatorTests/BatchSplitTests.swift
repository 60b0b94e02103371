import CopyTradeCore
import CopyTradeProto
import Foundation
import Margin
import Sizing
import Synchronization
import Testing
@testable import Coordinator

/// A fan-out larger than one module batch is sent as several batches under the ttrpc frame
/// limit, and the answers are joined back in order: every copier gets its own decision.
@Suite("Module batches", .timeLimit(.minutes(3)))
struct BatchSplitTests {
    static let e8: Int64 = 100_000_000
    static let copiers = Engine.batchLimit * 2 + 1

    @Test("12,001 copiers: sizing and margin see batches of 5,000, 5,000 and 1; every copier opens with its own size")
    func fanOutIsSplitAndJoinedInOrder() async throws {
        let sizing = RecordingSizing()
        let margin = RecordingMargin()
        // Wire-level recording modules behind the engine's remote adapters: the split is made on
        // domain values in the engine, so it reaches a module out of process as these batches.
        var modules = ModuleSet.inProcess()
        modules.sizing = SizingOverWire(sizing)
        modules.margin = MarginOverWire(margin)
        let engine = Engine(modules: modules)
        var state = EngineState()
        var n = 0
        func run(_ fill: (inout Copytrade_V1_Input) -> Void) async throws -> StateChanges {
            var input = Copytrade_V1_Input()
            input.receivedMs = 1_700_000_000_000
            fill(&input)
            n += 1
            let changes = try await engine.decide(input, key: "k-\(n)", state: state)
            state.apply(changes)
            return changes
        }
        func account(_ id: String, trader: Bool, deposit: Int64) async throws {
            _ = try await run {
                $0.createAccount.accountID = id
                $0.createAccount.role = trader ? .trader : .copier
            }
            _ = try await run {
                $0.deposit.accountID = id
                $0.deposit.amountE8 = deposit * Self.e8
            }
        }
        try await account("T", trader: true, deposit: 1_000_000)
        for i in 0..<Self.copiers {
            // Copier i has 1,000 + i USDT, so each one's size is its own.
            try await account("c-\(i)", trader: false, deposit: 1_000 + Int64(i))
            _ = try await run {
                $0.follow.copierID = "c-\(i)"
                $0.follow.traderID = "T"
                $0.follow.mode = .fixed
                $0.follow.fixedMarginE8 = (100 + Int64(i % 900)) * Self.e8 / 10
                $0.follow.leverage = 10
            }
        }
        _ = try await run {
            $0.setMark.symbol = "BTCUSDT"
            $0.setMark.priceE8 = 60_000 * Self.e8
            $0.setMark.atMs = 1_700_000_000_000
        }
        sizing.reset()
        margin.reset()
        let changes = try await run {
            $0.open.accountID = "T"
            $0.open.symbol = "BTCUSDT"
            $0.open.side = .long
            $0.open.quantityE8 = Self.e8
            $0.open.priceE8 = 60_000 * Self.e8
            $0.open.leverage = 10
            $0.open.marginMode = .isolated
        }
        #expect(sizing.batchSizes == [5_000, 5_000, 1])
        #expect(margin.batchSizes.filter { $0 > 1 } == [5_000, 5_000] && margin.batchSizes.reduce(0, +) >= Self.copiers,
                "\(margin.batchSizes)")
        let opened = changes.events.filter { $0.kind == "copy.opened" }
        #expect(opened.count == Self.copiers)
        // Each copier's margin is what the sizing module decides for that copier's own request
        // alone (found by its available balance, which is unique): answers joined in order.
        let sizer = SizingHandler()
        let batches = sizing.batches
        for i in [0, 4_999, 5_000, 9_999, 10_000, Self.copiers - 1] {
            let event = try #require(opened.first { $0.accountID == "c-\(i)" })
            let p = try #require(state.positions.values.first { $0.account == "c-\(i)" })
            let (batch, item) = try #require(batches.lazy.compactMap { b in
                b.items.first { $0.availableE8 == (1_000 + Int64(i)) * Self.e8 }.map { (b, $0) }
            }.first, "no sizing request for copier \(i)")
            var single = item
            single.side = batch.side
            single.fillPriceE8 = batch.fillPriceE8
            single.traderQuantityE8 = batch.traderQuantityE8
            single.market = batch.market
            let alone = try await sizer.size(single)
            #expect(event.amountE8 == alone.orderMarginE8, "copier \(i)")
            #expect(p.quantity.e8 == alone.quantityE8, "copier \(i)")
            #expect(p.liquidationPrice != nil, "copier \(i) has no liquidation price")
        }
    }
}

/// The built-in sizing module, recording the size of each batch it is asked.
final class RecordingSizing: SizingAPI {
    private let inner = SizingHandler()
    private let seen = Mutex<[Copytrade_V1_SizeBatchRequest]>([])
    var batches: [Copytrade_V1_SizeBatchRequest] { seen.withLock { $0 } }
    var batchSizes: [Int] { batches.map(\.items.count) }
    func reset() { seen.withLock { $0 = [] } }

    func size(_ request: Copytrade_V1_SizeRequest) async throws -> Copytrade_V1_SizeDecision { try await inner.size(request) }
    func sizeBatch(_ request: Copytrade_V1_SizeBatchRequest) async throws -> Copytrade_V1_SizeBatchResponse {
        seen.withLock { $0.append(request) }
        return try await inner.sizeBatch(request)
    }
    func recommend(_ request: Copytrade_V1_RecommendRequest) async throws -> Copytrade_V1_RecommendResponse { try await inner.recommend(request) }
    func closeQuantity(_ request: Copytrade_V1_CloseQuantityRequest) async throws -> Copytrade_V1_CloseQuantityResponse {
        try await inner.closeQuantity(request)
    }
    func info() async throws -> Copytrade_V1_ModuleInfo { try await inner.info() }
}

/// The built-in margin module, recording the size of each evaluation batch it is asked.
final class RecordingMargin: MarginAPI {
    private let inner = MarginHandler()
    private let sizes = Mutex<[Int]>([])
    var batchSizes: [Int] { sizes.withLock { $0 } }
    func reset() { sizes.withLock { $0 = [] } }

    func evaluate(_ request: Copytrade_V1_EvaluateRequest) async throws -> Copytrade_V1_Evaluation { try await inner.evaluate(request) }
    func evaluateBatch(_ request: Copytrade_V1_EvaluateBatchRequest) async throws -> Copytrade_V1_EvaluateBatchResponse {
        sizes.withLock { $0.append(request.requests.count) }
        return try await inner.evaluateBatch(request)
    }
    func evaluateAccount(_ request: Copytrade_V1_EvaluateAccountRequest) async throws -> Copytrade_V1_AccountEvaluation {
        try await inner.evaluateAccount(request)
    }
    func decideAutoMargin(_ request: Copytrade_V1_AutoMarginRequest) async throws -> Copytrade_V1_AutoMarginDecision {
        try await inner.decideAutoMargin(request)
    }
    func info() async throws -> Copytrade_V1_ModuleInfo { try await inner.info() }
}
