import Coordinator
import CopyTradeCore
import CopyTradeProto
import Margin

/// `--compare`: the same scenario run as variants — `sync=on,off` (margin-sync rollout as the
/// scenario has it, by default everyone, vs nobody), `automargin=on,off` (auto-margin settings kept vs stripped),
/// `preset=bingx,bybit` (margin model A/B).
public struct Comparison: Sendable, Hashable {
    public enum Axis: String, Sendable, Hashable { case sync, automargin, preset }
    public var axis: Axis
    public var values: [String]

    public init(parsing text: String) throws(DomainError) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let axis = Axis(rawValue: parts[0]) else {
            throw DomainError.invalid("--compare", "must be sync=on,off, automargin=on,off or preset=A,B; got \"\(text)\"")
        }
        let values = parts[1].split(separator: ",").map(String.init)
        guard values.count >= 2, Set(values).count == values.count else {
            throw DomainError.invalid("--compare", "needs at least two different values, got \"\(parts[1])\"")
        }
        for v in values {
            switch axis {
            case .sync, .automargin:
                guard v == "on" || v == "off" else { throw DomainError.invalid("--compare", "\(axis.rawValue) values are on and off, got \"\(v)\"") }
            case .preset:
                _ = try MarginPreset(parsing: v, field: "--compare")
            }
        }
        self.axis = axis
        self.values = values
    }

    /// Each variant's name (its out folder) and scenario.
    public func variants(of scenario: Scenario) -> [(name: String, scenario: Scenario)] {
        values.map { v in
            var s = scenario
            switch axis {
            case .sync:
                // On: the scenario's own rollout (default: everyone). Off: nobody, also after a
                // scripted rollout change (those are dropped).
                if v == "off" {
                    s.engine.rollout = []
                    s.actions = s.actions.filter { if case .rollout = $0.kind { false } else { true } }
                }
            case .automargin:
                if v == "off" {
                    s.actions = s.actions.compactMap { a in
                        switch a.kind {
                        case .autoMargin: return nil
                        case .follow(var f):
                            var b = a
                            f.autoMargin = nil
                            b.kind = .follow(f)
                            return b
                        case .setRelation(var r):
                            // The auto-margin setting is left out; a change of nothing else is dropped.
                            r.fields.removeAll { $0 == "autoMarginAmount" }
                            r.clear.removeAll { $0 == "autoMarginAmount" }
                            if r.fields.isEmpty && r.clear.isEmpty { return nil }
                            var b = a
                            b.kind = .setRelation(r)
                            return b
                        default: return a
                        }
                    }
                }
            case .preset:
                s.engine.preset = v
            }
            return ("\(axis.rawValue)-\(v)", s)
        }
    }
}
