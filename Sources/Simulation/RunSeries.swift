import Coordinator
import CopyTradeCore

/// What the report draws, recorded while the scenario runs: each symbol's marks, each
/// position's liquidation price as a step line (a point whenever it changes, `nil` once closed),
/// and account equity (wallet plus unrealized PnL at the mark) at sampled times.
public struct RunSeries: Sendable {
    public struct Point: Sendable, Hashable {
        public var t: Millis
        public var value: Decimal8?
    }

    public struct PositionTrack: Sendable {
        public var id: String
        public var account: String
        public var symbol: String
        public var side: Side
        public var points: [Point] = []
    }

    public var marks: [String: [Point]] = [:]
    public var positions: [PositionTrack] = []
    public var equity: [String: [Point]] = [:]
    /// Accounts whose equity is drawn (copiers first, then traders, in id order), capped.
    public var equityAccounts: [String] = []
    public var totalAccounts = 0
    public var totalPositions = 0
    public var endTime: Millis = 0
}

/// Records ``RunSeries`` from state snapshots, touching positions only when events happened.
struct SeriesRecorder {
    static let maxPositions = 60
    static let maxEquityAccounts = 40

    var series = RunSeries()
    private var index: [String: Int] = [:]
    private var last: [String: (liq: Decimal8?, open: Bool)] = [:]
    private var lastEventSequence: UInt64 = 0
    private let sampleEvery: Int
    private var steps = 0

    init(accounts: [AccountSetup], totalSteps: Int) {
        let sorted = accounts.sorted { ($0.role == .copier ? 0 : 1, $0.id.count, $0.id) < ($1.role == .copier ? 0 : 1, $1.id.count, $1.id) }
        series.equityAccounts = Array(sorted.prefix(Self.maxEquityAccounts).map(\.id))
        series.totalAccounts = accounts.count
        sampleEvery = max(1, totalSteps / 600)
    }

    mutating func mark(_ symbol: String, _ price: Decimal8, at t: Millis) {
        series.marks[symbol, default: []].append(.init(t: t, value: price))
    }

    /// After a step at offset `t`: liquidation prices when events happened, equity when sampled.
    mutating func observe(_ state: EngineState, at t: Millis, force: Bool = false) {
        steps += 1
        series.endTime = max(series.endTime, t)
        let changed = state.nextEventSequence != lastEventSequence
        lastEventSequence = state.nextEventSequence
        if changed { trackPositions(state, at: t) }
        if changed || force || steps % sampleEvery == 0 { sampleEquity(state, at: t) }
    }

    private mutating func trackPositions(_ state: EngineState, at t: Millis) {
        var changed: [PositionRecord] = []
        for p in state.positions.values where p.mode == .isolated {
            if let l = last[p.id], l.open, l.liq == p.liquidationPrice { continue }
            changed.append(p)
        }
        changed.sort { ($0.id.count, $0.id) < ($1.id.count, $1.id) }
        for p in changed {
            if last[p.id] == nil { series.totalPositions += 1 }
            last[p.id] = (p.liquidationPrice, true)
            if index[p.id] == nil, series.positions.count < Self.maxPositions {
                index[p.id] = series.positions.count
                series.positions.append(.init(id: p.id, account: p.account, symbol: p.symbol, side: p.side))
            }
            if let i = index[p.id] { series.positions[i].points.append(.init(t: t, value: p.liquidationPrice)) }
        }
        for (id, l) in last where l.open && state.positions[id] == nil {
            last[id] = (nil, false)
            if let i = index[id] { series.positions[i].points.append(.init(t: t, value: nil)) }
        }
    }

    private mutating func sampleEquity(_ state: EngineState, at t: Millis) {
        for id in series.equityAccounts {
            guard let e = Self.equity(of: id, state) else { continue }
            series.equity[id, default: []].append(.init(t: t, value: e))
        }
    }

    /// Wallet plus each open position's `s*q*(P - E)` at its symbol's mark (exact, half-even).
    static func equity(of account: String, _ state: EngineState) -> Decimal8? {
        guard let a = state.accounts[account] else { return nil }
        var total = a.wallet
        for id in state.positionsByAccount[account] ?? [] {
            guard let p = state.positions[id], let mark = state.marks[p.symbol]?.price else { continue }
            guard let diff = try? mark - p.entry, let u = try? p.quantity.multiplied(by: diff, rounding: .halfEven),
                  let next = try? total + (p.side == .long ? u : Decimal8(units: -u.units)) else { continue }
            total = next
        }
        return total
    }
}
