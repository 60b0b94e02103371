import CopyTradeCore
import Foundation

/// A scenario run (or a comparison of variants) from file to report: what `copyctl simulate` does.
public struct Simulation: Sendable {
    public var scenario: Scenario
    public var outDirectory: String
    public var comparison: Comparison?

    public init(scenario: Scenario, outDirectory: String? = nil, comparison: Comparison? = nil) {
        self.scenario = scenario
        self.outDirectory = outDirectory ?? "out/\(scenario.name)"
        self.comparison = comparison
    }

    public var reportPath: String { (outDirectory as NSString).appendingPathComponent("report.html") }

    /// Runs every variant into its folder (`DIR/<variant>/`, or `DIR` alone) and writes the report(s).
    public func run(_ runner: SimulationRunner) async throws -> [SimulationResult] {
        var results: [SimulationResult] = []
        if let comparison {
            for (name, s) in comparison.variants(of: scenario) {
                let dir = (outDirectory as NSString).appendingPathComponent(name)
                let r = try await runner.run(s, outDirectory: dir, variant: name)
                try Self.write(HTMLReport.page([r], scenario: s), to: (dir as NSString).appendingPathComponent("report.html"))
                results.append(r)
            }
        } else {
            results.append(try await runner.run(scenario, outDirectory: outDirectory))
        }
        try Self.write(HTMLReport.page(results, scenario: scenario), to: reportPath)
        return results
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
