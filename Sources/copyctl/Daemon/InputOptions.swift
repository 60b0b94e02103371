import ArgumentParser
import Calculators
import CopyTradeCore
import CopyTradeProto

/// The idempotency key and occurrence time every state-changing command takes.
struct InputOptions: ParsableArguments {
    @Option(help: "Idempotency key: repeating a command with the same key applies it once.") var key: String?
    @Option(help: "When the action occurred (ms since epoch or ISO 8601; default: when received).") var at: String?

    var keyValue: String { key ?? "" }

    /// The occurrence time for the request's `at_ms` (0: when received). A time at or before
    /// the epoch is refused naming `--at`: on the wire 0 means "when received" and a negative
    /// time is no time, so `--at -5` must not be sent as if it said "now" (issue 10). The
    /// coordinator bounds the other side (at most a minute ahead of its clock).
    func atMs() throws -> Int64 {
        guard let ms = try TimeArgument.parse(at, "--at") else { return 0 }
        guard ms > 0 else {
            throw DomainError.invalid("--at", "must be after the epoch (1970-01-01T00:00:00Z), got \"\(at ?? "")\"")
        }
        return ms
    }

    /// For the commands whose request carries no occurrence time (`account create`, `deposit`,
    /// `withdraw` take effect when the coordinator receives them): a given `--at` is refused,
    /// never silently dropped (`deposit C 100 --at yesterday` had exited 0).
    func refuseAt(_ command: String) throws {
        guard let at else { return }
        throw DomainError.invalid("--at", "does not apply to \(command), which takes effect when the coordinator receives it; got \"\(at)\"")
    }
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
