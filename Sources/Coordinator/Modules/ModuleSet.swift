import Margin
import Pricing
import Sizing
import Sync

/// The four modules the engine asks for decisions, in domain values (docs/decisions.md,
/// "Coordinator"). In process each one is the module's own Swift code; out of process it is an
/// adapter that converts to the module's wire API and back, so where a module runs cannot
/// change a result. Rebuilt whole on a hot swap (``PluginHost/moduleSet()``).
public struct ModuleSet: Sendable {
    public var pricing: any PricingDecisions
    public var margin: any MarginDecisions
    public var sizing: any SizingDecisions
    public var sync: any SyncDecisions

    public init(pricing: any PricingDecisions, margin: any MarginDecisions, sizing: any SizingDecisions, sync: any SyncDecisions) {
        self.pricing = pricing
        self.margin = margin
        self.sizing = sizing
        self.sync = sync
    }

    /// The built-in Swift modules, in this process: no protobuf between the engine and them.
    public static func inProcess(market: Market = .builtIn) -> ModuleSet {
        ModuleSet(pricing: InProcessPricing(market: market), margin: InProcessMargin(), sizing: InProcessSizing(), sync: InProcessSync())
    }

    /// Modules reached through their wire APIs (ttrpc clients, or wire-level stand-ins in tests):
    /// every question is converted to protobuf and every answer back.
    public static func overWire(pricing: any PricingAPI, margin: any MarginAPI, sizing: any SizingAPI, sync: any SyncAPI) -> ModuleSet {
        ModuleSet(pricing: PricingOverWire(pricing), margin: MarginOverWire(margin), sizing: SizingOverWire(sizing), sync: SyncOverWire(sync))
    }
}

/// A module's refusal of one item of a batch (a copier's sizing request, a position's
/// evaluation), in the module's words: the engine records it or refuses the input with it.
public struct ModuleRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
