import CopyTradeCore
import CopyTradeProto
import Foundation
import TTRPC
import Yams

/// The coordinator's configuration file (YAML), `copytraded --config FILE`:
///
/// ```yaml
/// engine:
///   preset: bingx            # margin model preset
///   reorderWindowMs: 500     # margin-sync reorder window
///   settlementSchedule: weekly:mon@00:00   # profit-share settlements (off, daily@HH:MM, weekly:DAY@HH:MM)
///   maxSignalDelayMs: 60000
///   autoMarginPolicy: fixed   # or empty for the margin module's default (the C plugin: target-risk)
///   targetRiskRate: "0.8"     # for target-risk policies
///   rollout:                  # margin-sync rollout phases (default: everyone); or a rollout file's path
///     - { name: spain, start: 2026-07-02, markets: [ES] }
///     - { name: everyone, start: 2026-07-16, everyone: true }
/// modules:
///   pricing: inprocess                      # the default
///   sizing: { address: "unix:/run/copytrade/sizing.sock" }
///   sync:   { address: "tcp:10.0.0.7:7001", tlsCA: ca.pem, tlsCert: client.pem, tlsKey: client.key, tokenFile: token }
///   margin: { exec: ["plugins/margin-c/margin-c"], mode: fd3, startTimeoutMs: 5000, callTimeoutMs: 5000 }
/// ```
/// Relative paths are resolved against the file's folder. Mistakes are refused before anything
/// starts, naming the key (`modules.margin.exec`) and the rule.
public struct RoutingFile: Sendable {
    public var engine = EngineConfig()
    public var routes: [ModuleName: ModuleRoute] = [:]

    public init() {}

    public static func load(path: String) throws -> RoutingFile {
        guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw DomainError.notFound("config", "cannot read \(path)")
        }
        let base = (path as NSString).deletingLastPathComponent
        return try parse(text, base: base.isEmpty ? "." : base, file: path)
    }

    /// `time` reads rollout phase starts in forms of the caller's own (a scenario's offsets).
    public static func parse(_ text: String, base: String, file: String = "config", time: RolloutFile.TimeReader? = nil) throws -> RoutingFile {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw DomainError.invalid(file, "is not valid YAML: \(error)")
        }
        var out = RoutingFile()
        guard let root = node?.mapping else {
            if node == nil { return out }
            throw DomainError.invalid(file, "must be a mapping with engine: and modules:")
        }
        for (k, v) in root {
            switch k.string {
            case "engine": try out.readEngine(v, file: file, base: base, time: time)
            case "modules": try out.readModules(v, base: base, file: file)
            default: throw DomainError.invalid("\(file): \(k.string ?? "?")", "unknown key (expected engine or modules)")
            }
        }
        return out
    }

    mutating func readEngine(_ node: Node, file: String, base: String = ".", time: RolloutFile.TimeReader? = nil) throws {
        guard let m = node.mapping else { throw DomainError.invalid("\(file): engine", "must be a mapping") }
        for (k, v) in m {
            let key = "\(file): engine.\(k.string ?? "?")"
            switch k.string {
            case "preset": engine.preset = try Self.string(v, key)
            case "reorderWindowMs": engine.reorderWindowMs = try Self.int(v, key)
            case "maxSignalDelayMs": engine.maxSignalDelayMs = try Self.int(v, key)
            case "autoMarginPolicy": engine.autoMarginPolicy = try Self.string(v, key)
            case "targetRiskRate": engine.targetRiskRate = try Decimal8(parsing: try Self.string(v, key), field: key)
            case "rollout": engine.rollout = try Self.rollout(v, key: key, base: base, time: time)
            case "settlementSchedule": engine.settlementSchedule = try SettlementSchedule(parsing: try Self.string(v, key), field: key)
            default: throw DomainError.invalid(key, "unknown key (expected preset, reorderWindowMs, maxSignalDelayMs, autoMarginPolicy, targetRiskRate, rollout, settlementSchedule)")
            }
        }
    }

    /// `engine.rollout`: a list of phases, or the path of a rollout file (relative to this
    /// file's folder), so one file serves both the configuration and `copyctl rollout set`.
    static func rollout(_ node: Node, key: String, base: String, time: RolloutFile.TimeReader?) throws(DomainError) -> [Copytrade_V1_RolloutPhase] {
        if node.sequence == nil, let path = node.scalar?.string {
            let full = resolve(path, base)
            let phases = try RolloutFile.load(path: full, prefix: "\(full): ", time: time)
            try RolloutPhases.validate(phases, field: "\(full): phases")
            return phases
        }
        let phases = try RolloutFile.list(node, field: key, time: time)
        try RolloutPhases.validate(phases, field: key)
        return phases
    }

    mutating func readModules(_ node: Node, base: String, file: String) throws {
        guard let m = node.mapping else { throw DomainError.invalid("\(file): modules", "must be a mapping") }
        for (k, v) in m {
            let name = try ModuleName(parsing: k.string ?? "", field: "\(file): modules.\(k.string ?? "?")")
            routes[name] = try Self.route(v, key: "\(file): modules.\(name.rawValue)", base: base)
        }
    }

    static func route(_ node: Node, key: String, base: String) throws -> ModuleRoute {
        if let s = node.string {
            guard s == "inprocess" else { throw DomainError.invalid(key, "must be inprocess or a mapping with address: or exec:") }
            return .inProcess
        }
        guard let m = node.mapping else { throw DomainError.invalid(key, "must be inprocess or a mapping with address: or exec:") }
        var address: String?
        var exec: [String]?
        var security = RouteSecurity()
        var launch = LaunchOptions()
        for (k, v) in m {
            let sub = "\(key).\(k.string ?? "?")"
            switch k.string {
            case "inprocess": if v.bool == true { return .inProcess }
            case "address": address = try string(v, sub)
            case "exec":
                guard let seq = v.sequence, !seq.isEmpty else { throw DomainError.invalid(sub, "must be a non-empty list: [path, args...]") }
                exec = try seq.enumerated().map { i, n in try string(n, "\(sub)[\(i)]") }
            case "mode":
                guard let mode = LaunchOptions.Mode(rawValue: try string(v, sub)) else { throw DomainError.invalid(sub, "must be fd3 or handshake") }
                launch.mode = mode
            case "startTimeoutMs": launch.startTimeoutMs = try int(v, sub)
            case "shutdownGraceMs": launch.shutdownGraceMs = try int(v, sub)
            case "callTimeoutMs": launch.callTimeoutMs = try int(v, sub)
            case "env":
                guard let em = v.mapping else { throw DomainError.invalid(sub, "must be a mapping") }
                for (ek, ev) in em { launch.environment[ek.string ?? ""] = try string(ev, "\(sub).\(ek.string ?? "?")") }
            case "tlsCA": security.caFile = resolve(try string(v, sub), base)
            case "tlsCert": security.certFile = resolve(try string(v, sub), base)
            case "tlsKey": security.keyFile = resolve(try string(v, sub), base)
            case "tlsServerName": security.serverName = try string(v, sub)
            case "tokenFile":
                let path = resolve(try string(v, sub), base)
                guard let data = FileManager.default.contents(atPath: path) else { throw DomainError.notFound(sub, "cannot read \(path)") }
                security.token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            default:
                throw DomainError.invalid(sub, "unknown key")
            }
        }
        switch (address, exec) {
        case (let a?, nil):
            do { return .address(try TTRPCAddress(parsing: a), security: security) } catch {
                throw DomainError.invalid("\(key).address", error.rule)
            }
        case (nil, var argv?):
            if !argv[0].hasPrefix("/") && argv[0].contains("/") { argv[0] = resolve(argv[0], base) }
            return .exec(argv, launch: launch)
        case (nil, nil): throw DomainError.invalid(key, "needs address: or exec:")
        default: throw DomainError.invalid(key, "has both address: and exec:; choose one")
        }
    }

    static func resolve(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }

    static func string(_ n: Node, _ key: String) throws -> String {
        guard let s = n.string else { throw DomainError.invalid(key, "must be a string") }
        return s
    }

    static func int(_ n: Node, _ key: String) throws -> Int64 {
        guard let s = n.string, let i = Int64(s), i >= 0 else { throw DomainError.invalid(key, "must be a non-negative integer") }
        return i
    }
}
