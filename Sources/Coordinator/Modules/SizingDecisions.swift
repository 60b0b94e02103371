import CopyTradeCore
import Sizing

/// The sizing module as the engine asks it, in domain values (docs/decisions.md,
/// "Coordinator"): ``InProcessSizing`` calls a ``CopySizer`` directly; ``SizingOverWire``
/// speaks `copytrade.v1.Sizing` to a module out of process.
public protocol SizingDecisions: Sendable {
    /// Sizes the copy orders of one trader fill (they share its side, fill price, quantity and
    /// symbol rules), one answer per request in order; the engine checks the count.
    func plan(_ orders: [CopyOrderRequest]) async throws -> [CopySizingAnswer]
    /// A copier's close quantity when the trader closes part or all of a position (SPEC §4).
    func closeQuantity(_ close: CopyCloseRequest) async throws -> Decimal8
}

/// One copier's sizing answer as the module gave it.
public enum CopySizingAnswer: Sendable, Hashable {
    /// An order to check and fill.
    case planned(CopyOrderPlan)
    /// No order, for a reason (nil: one this coordinator does not know) the module explains.
    case skipped(CopySkipReason?, detail: String)
    /// The module refused this copier's request; the copy is skipped as `invalid`.
    case refused(String)
}

/// A trader's close, for one copier's copy of the position.
public struct CopyCloseRequest: Sendable, Hashable {
    public var copierQuantity: Decimal8
    public var traderClosedQuantity: Decimal8
    public var traderQuantityBefore: Decimal8
    public var stepSize: Decimal8
    public var minQuantity: Decimal8

    public init(copierQuantity: Decimal8, traderClosedQuantity: Decimal8, traderQuantityBefore: Decimal8,
                stepSize: Decimal8, minQuantity: Decimal8) {
        self.copierQuantity = copierQuantity
        self.traderClosedQuantity = traderClosedQuantity
        self.traderQuantityBefore = traderQuantityBefore
        self.stepSize = stepSize
        self.minQuantity = minQuantity
    }
}

/// The built-in sizing module called directly: the fan-out's hot path, so generic over the
/// sizer (no existential call per copier) and free of protobuf.
public struct InProcessSizing<Sizer: CopySizer>: SizingDecisions {
    public let sizer: Sizer

    public init(sizer: Sizer) { self.sizer = sizer }

    public func plan(_ orders: [CopyOrderRequest]) async throws -> [CopySizingAnswer] {
        var out: [CopySizingAnswer] = []
        out.reserveCapacity(orders.count)
        for order in orders {
            do {
                switch try sizer.plan(order) {
                case .planned(let p): out.append(.planned(p))
                case .skipped(let s): out.append(.skipped(s.reason, detail: s.message))
                }
            } catch {
                out.append(.refused(error.description))
            }
        }
        return out
    }

    public func closeQuantity(_ c: CopyCloseRequest) async throws -> Decimal8 {
        try sizer.closeQuantity(copierQuantity: c.copierQuantity, traderClosedQuantity: c.traderClosedQuantity,
                                traderQuantityBefore: c.traderQuantityBefore, stepSize: c.stepSize,
                                minQuantity: c.minQuantity).quantity
    }
}

extension InProcessSizing where Sizer == StandardCopySizer {
    /// SPEC §4's sizer.
    public init() { self.init(sizer: StandardCopySizer()) }
}
