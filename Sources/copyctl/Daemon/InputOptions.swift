import ArgumentParser
import Calculators
import CopyTradeProto

/// The idempotency key and occurrence time every state-changing command takes.
struct InputOptions: ParsableArguments {
    @Option(help: "Idempotency key: repeating a command with the same key applies it once.") var key: String?
    @Option(help: "When the action occurred (ms since epoch or ISO 8601; default: when received).") var at: String?

    var keyValue: String { key ?? "" }
    func atMs() throws -> Int64 { try TimeArgument.parse(at, "--at") ?? 0 }
}

/// Sends one state-changing call and prints its result; a refusal's field is renamed by `fieldNames`.
func submit<Request: SwiftProtobuf.Message>(_ global: GlobalOptions, _ method: String, _ request: Request,
                                            fieldNames: [String: String] = [:]) async throws {
    try await runReporting(json: global.json, fieldNames: fieldNames) {
        let r: Copytrade_V1_InputResult = try await withControl(global) { try await $0.call(method, request) }
        if global.json {
            print(Views.result(r).json)
        } else {
            print("ok: sequence \(r.sequence)\(r.duplicate ? " (duplicate key: already applied, nothing changed)" : "")"
                  + (r.createdID.isEmpty ? "" : ", created \(r.createdID)"))
            for e in r.events { print("  " + Views.line(e)) }
        }
    }
}

import SwiftProtobuf
