import Foundation
@testable import Simulation

/// Paths and helpers shared by the simulation tests.
enum Paths {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func example(_ name: String) -> String { root.appendingPathComponent("examples/\(name)").path }

    static func temporary(_ label: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-sim-\(label)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        return dir.path
    }
}

func simulate(_ example: String, into dir: String) async throws -> SimulationResult {
    let scenario = try ScenarioParser.load(path: Paths.example(example))
    let results = try await Simulation(scenario: scenario, outDirectory: dir).run(SimulationRunner())
    return results[0]
}
