import Foundation

/// Where the daemon under test runs its modules. The same suite runs in every configuration
/// (`make test` runs it three times, choosing with `COPYTRADE_E2E_MODULES`): all in process;
/// all four as `copytrade-module` processes the daemon launches (fd 3); margin as the C plugin,
/// whose entry-value strategy has its own expected figures (asked of the plugin itself through
/// `copyctl calc --via` where a test checks margin numbers).
enum ModuleConfiguration: String, CaseIterable, Sendable {
    case inProcess = "inprocess"
    case processes
    case marginC = "margin-c"

    static var current: ModuleConfiguration {
        ModuleConfiguration(rawValue: ProcessInfo.processInfo.environment["COPYTRADE_E2E_MODULES"] ?? "") ?? .inProcess
    }

    static var marginPlugin: String {
        Binaries.repoRoot.appendingPathComponent("plugins/margin-c/margin-c").path
    }

    /// The coordinator configuration for this choice (nil: no file, everything in process).
    var configYAML: String? {
        let module = Binaries.locate("copytrade-module")
        switch self {
        case .inProcess:
            return nil
        case .processes:
            return "modules:\n" + ["pricing", "margin", "sizing", "sync"].map {
                "  \($0): { exec: [\"\(module)\", \"\($0)\", \"--log-level\", \"warning\"] }"
            }.joined(separator: "\n") + "\n"
        case .marginC:
            return "modules:\n  margin: { exec: [\"\(Self.marginPlugin)\"] }\n"
        }
    }
}
