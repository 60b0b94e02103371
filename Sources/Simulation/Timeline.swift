import CopyTradeCore

/// The scenario's marks and action deliveries merged in time order. At one instant marks come
/// first (symbols in name order), then actions in file order; lost actions are left out.
struct Timeline {
    enum Step {
        case mark(symbol: String, index: Int, PricePoint)
        case action(index: Int, ScriptedAction)
    }

    struct Entry {
        var time: Millis
        var step: Step
    }

    private(set) var entries: [Entry] = []
    private(set) var lost: [ScriptedAction] = []

    init(_ scenario: Scenario) {
        var keyed: [(time: Millis, rank: Int, order: Int, entry: Entry)] = []
        var order = 0
        for symbol in scenario.symbols {
            for (i, p) in (scenario.marks[symbol] ?? []).enumerated() {
                keyed.append((p.at, 0, order, Entry(time: p.at, step: .mark(symbol: symbol, index: i, p))))
                order += 1
            }
        }
        for (i, a) in scenario.actions.enumerated() {
            if a.lost { lost.append(a); continue }
            keyed.append((a.deliverAt, 1, i, Entry(time: a.deliverAt, step: .action(index: i, a))))
        }
        keyed.sort { ($0.time, $0.rank, $0.order) < ($1.time, $1.rank, $1.order) }
        entries = keyed.map(\.entry)
    }

    var endTime: Millis { entries.last?.time ?? 0 }
}
