// swift-tools-version: 6.0
// CopyTrade: a copy-trading engine for USDT-margined perpetual futures.
// Layout and the reasons for it: ARCHITECTURE.md in the README's "Where things live".
import PackageDescription

let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let protobuf: Target.Dependency = .product(name: "SwiftProtobuf", package: "swift-protobuf")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
/// The swift-metrics API only: libraries count and time through it; executables pick the backend.
let metrics: Target.Dependency = .product(name: "CoreMetrics", package: "swift-metrics")
let postgres: Target.Dependency = .product(name: "PostgresNIO", package: "postgres-nio")

/// A module: its logic (no I/O) plus the ttrpc service adapter that serves it.
func module(_ name: String, extra: [Target.Dependency] = [], resources: [Resource]? = nil) -> Target {
    .target(name: name, dependencies: ["CopyTradeCore", "CopyTradeProto", "TTRPC", "ModuleRuntime", protobuf] + extra,
            resources: resources)
}

let package = Package(
    name: "CopyTrade",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "copytraded", targets: ["copytraded"]),
        .executable(name: "copyctl", targets: ["copyctl"]),
        .executable(name: "copytrade-module", targets: ["copytrade-module"]),
        .executable(name: "copytrade-bench", targets: ["copytrade-bench"]),
        .executable(name: "journal-crash-writer", targets: ["journal-crash-writer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", exact: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        .target(name: "CopyTradeCore"),
        // Generated code only: swift-protobuf keeps a message of more than 16 fields (a
        // relation, a position) in a class, and a run-time exclusivity check on each field access
        // made encoding 100,000 of them for a journal entry or a snapshot measurably slower
        // (BENCHMARKS.md, "Issue 12"). The generated accessors never overlap accesses.
        .target(name: "CopyTradeProto", dependencies: [protobuf], swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]),
        .target(name: "TTRPC", dependencies: nio + [
            protobuf, logging, .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio"),
        ]),
        .target(name: "ModuleRuntime", dependencies: ["CopyTradeCore", "CopyTradeProto", "TTRPC", protobuf]),
        module("Pricing", resources: [.copy("Resources")]),
        module("Margin", extra: ["Pricing"]),
        module("Sizing"),
        module("Sync"),
        .target(name: "Coordinator", dependencies: [
            "CopyTradeCore", "CopyTradeProto", "TTRPC", "ModuleRuntime", "Pricing", "Margin", "Sizing", "Sync", logging,
            "Journal", "PostgresJournal", postgres, protobuf,
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"), metrics,
        ] + nio),
        .target(name: "Journal", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), logging]),
        // The journal store on PostgreSQL, one shard per store, fenced by shard leases (docs/journal.md).
        .target(name: "PostgresJournal", dependencies: ["Journal", postgres, logging]),
        // Scenario files run through an in-process coordinator on a driven clock: histories and reports.
        .target(name: "Simulation", dependencies: [
            "Coordinator", "CopyTradeCore", "CopyTradeProto", "Journal", "Pricing", "Margin",
            .product(name: "Yams", package: "Yams"), logging,
        ]),
        .target(name: "Calculators", dependencies: [
            "CopyTradeCore", "CopyTradeProto", "TTRPC", "ModuleRuntime", "Pricing", "Margin", "Sizing", "Sync", logging,
        ]),
        .executableTarget(name: "copytraded", dependencies: [
            "Coordinator", "CopyTradeCore", "TTRPC", argumentParser, logging, metrics,
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ] + nio),
        .executableTarget(name: "copytrade-module", dependencies: [
            "Pricing", "Margin", "Sizing", "Sync", "TTRPC", "ModuleRuntime", argumentParser, logging,
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ] + nio),
        .executableTarget(name: "copyctl", dependencies: [
            "Calculators", "CopyTradeCore", "CopyTradeProto", "TTRPC", "ModuleRuntime", argumentParser,
            "Simulation", "Coordinator", logging,
        ] + nio),
        // A module that answers wrongly on purpose: the end-to-end guard tests launch it as a plugin.
        .executableTarget(name: "misbehaving-module", dependencies: ["Margin", "Sizing", "CopyTradeProto", "TTRPC", logging],
                          path: "Tests/Fixtures/misbehaving-module"),
        .executableTarget(name: "copytrade-bench", dependencies: [
            "CopyTradeCore", "CopyTradeProto", "TTRPC", "Pricing", "Margin", "Sizing", "Sync", "Coordinator",
            "ModuleRuntime", "Journal", argumentParser, logging,
            // `copytrade-bench postgres`: the store, and TestSupport's throwaway PostgreSQL server.
            "PostgresJournal", postgres, "TestSupport", protobuf,
        ] + nio),
        // Appends until killed, printing each acknowledged sequence: the subject of the journal crash test.
        .executableTarget(name: "journal-crash-writer", dependencies: ["Journal"]),
        // What several test targets share: running programs safely, a seeded generator, a throwaway PostgreSQL.
        .target(name: "TestSupport", dependencies: ["CopyTradeCore", "ModuleRuntime", postgres, logging], path: "Tests/TestSupport"),
        .testTarget(name: "CopyTradeCoreTests", dependencies: ["CopyTradeCore", "TestSupport"]),
        .testTarget(name: "JournalTests", dependencies: [
            "Journal", "TestSupport", "journal-crash-writer", .product(name: "GRDB", package: "GRDB.swift"), logging,
            "PostgresJournal", postgres,
        ]),
        .testTarget(name: "TTRPCTests", dependencies: ["TTRPC", "TestSupport", "CopyTradeProto", protobuf] + nio + [
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "PricingTests", dependencies: ["Pricing", "CopyTradeCore"]),
        .testTarget(name: "MarginTests", dependencies: ["Margin", "TestSupport", "Pricing", "CopyTradeCore"]),
        .testTarget(name: "SizingTests", dependencies: ["Sizing", "TestSupport", "Pricing", "CopyTradeCore"]),
        .testTarget(name: "SyncTests", dependencies: ["Sync", "TestSupport", "CopyTradeCore"]),
        .testTarget(name: "CalculatorTests", dependencies: ["Calculators", "TestSupport", "CopyTradeCore"]),
        .testTarget(name: "CoordinatorTests", dependencies: [
            "Coordinator", "CopyTradeCore", "CopyTradeProto", "Margin", "Sizing", "Journal", "PostgresJournal", logging, postgres,
            .product(name: "MetricsTestKit", package: "swift-metrics"),
        ]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "TestSupport", "Coordinator", "CopyTradeCore", "CopyTradeProto"]),
        .testTarget(name: "EndToEndTests", dependencies: ["CopyTradeCore", "TestSupport", "CopyTradeProto", "TTRPC", postgres] + nio,
                    exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
