import CoreMetrics
import CopyTradeCore
import ModuleRuntime
import Synchronization
import TTRPC

/// The outcome counters of one input kind: `copytrade_inputs_total{kind, outcome}` with outcome
/// `accepted` (answered success once journaled), `duplicate` (a repeated key answered with the
/// recorded outcome) or `refused`; and `copytrade_input_refusals_total{kind, code}` by the status
/// code the caller was answered. Two names, because one Prometheus name keeps one label set.
final class InputCounters: Sendable {
    /// Every kind the journal names (``Copytrade_V1_Input/kindName``): their series exist from
    /// the start, at 0, so a dashboard's rate is defined before the first input of a kind.
    static let knownKinds = [
        "account.create", "deposit", "withdraw", "follow", "unfollow", "pause", "resume", "open", "close",
        "margin.adjust", "order.place", "order.cancel", "mark", "automargin", "sync.release", "rollout.set", "shard.message",
    ]

    let kind: String
    let accepted: Counter
    let duplicate: Counter
    let refused: Counter
    private let factory: any MetricsFactory
    private let byCode = Mutex<[StatusCode: Counter]>([:])

    init(kind: String, factory: any MetricsFactory) {
        self.kind = kind
        self.factory = factory
        accepted = Counter(label: MetricName.inputs, dimensions: [("kind", kind), ("outcome", "accepted")], factory: factory)
        duplicate = Counter(label: MetricName.inputs, dimensions: [("kind", kind), ("outcome", "duplicate")], factory: factory)
        refused = Counter(label: MetricName.inputs, dimensions: [("kind", kind), ("outcome", "refused")], factory: factory)
    }

    /// Counts a refusal under the status code its caller is answered (`INVALID_ARGUMENT`, ...).
    func refuse(_ error: any Error) {
        refused.increment()
        let code = (error as? any TTRPCStatusConvertible)?.ttrpcStatus.code ?? .internal
        byCode.withLock { counters in
            if let c = counters[code] { c.increment(); return }
            let c = Counter(label: MetricName.inputRefusals, dimensions: [("kind", kind), ("code", code.description)], factory: factory)
            counters[code] = c
            c.increment()
        }
    }
}
