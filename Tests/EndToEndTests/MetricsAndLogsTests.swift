import Foundation
import Testing
import TestSupport

/// `copytraded --metrics-listen` and `--log-format` (docs/metrics.md): a real daemon driven by
/// the real copyctl, its `/metrics` fetched over real HTTP and its log lines parsed as JSON.
@Suite("Metrics and logs", .timeLimit(.minutes(3)))
struct MetricsAndLogsTests {
    @Test("GET /metrics after SPEC's auto margin walk: exact inputs by kind and outcome, 2 additions, 1 liquidation",
          .enabled(if: ModuleConfiguration.current != .marginC))
    func scrapeAfterTheWalk() async throws {
        let port = try MetricsScrape.freePort()
        let d = try await Daemon.start(flags: ["--metrics-listen", "127.0.0.1:\(port)"])
        try await d.must("account", "create", "U", "--role", "trader")
        try await d.must("deposit", "U", "2505", "--key", "dep-1")
        let again = try await d.must("deposit", "U", "2505", "--key", "dep-1")
        #expect(again.duplicate == true)
        let refused = try await d.copyctl("withdraw", "U", "99999")
        #expect(refused.exit == 1, "\(refused.summary)")
        try await d.must("price", "set", "BTCUSDT", "20000")
        try await d.must("trader", "open", "U", "BTCUSDT", "--side", "long", "--qty", "0.5", "--price", "20000", "--leverage", "10")
        try await d.must("automargin", "on", "U", "--symbol", "BTCUSDT", "--amount", "1000")
        for mark in ["18069.2", "16061.5", "15057.7"] { try await d.must("price", "set", "BTCUSDT", mark) }

        let m = try await MetricsScrape.get(port: port)
        #expect(m.status == 200, "\(m.headers)")
        #expect(m.headers.lowercased().contains("content-type: text/plain; version=0.0.4"), "\(m.headers)")
        func inputs(_ kind: String, _ outcome: String) -> Double? {
            m.value("copytrade_inputs_total{kind=\"\(kind)\",outcome=\"\(outcome)\"}")
        }
        #expect(inputs("account.create", "accepted") == 1, "\(m.lines("copytrade_inputs_total"))")
        #expect(inputs("deposit", "accepted") == 1)
        #expect(inputs("deposit", "duplicate") == 1)
        #expect(inputs("withdraw", "refused") == 1)
        #expect(inputs("withdraw", "accepted") == 0)
        #expect(m.value("copytrade_input_refusals_total{kind=\"withdraw\",code=\"FAILED_PRECONDITION\"}") == 1,
                "\(m.lines("copytrade_input_refusals_total"))")
        #expect(inputs("mark", "accepted") == 4)
        #expect(inputs("open", "accepted") == 1)
        #expect(inputs("automargin", "accepted") == 1)
        #expect(m.value("copytrade_liquidations_total") == 1)
        #expect(m.value("copytrade_automargin_additions_total") == 2)
        // 8 accepted inputs: 8 decisions timed, and 8 inputs over the journal's batches.
        #expect(m.value("copytrade_decision_duration_seconds_count") == 8)
        #expect(m.value("copytrade_journal_batch_inputs_sum") == 8)
        #expect(m.value("copytrade_held_signals") == 0)
        #expect(m.value("copytrade_watchers") == 0)
        #expect(m.value("copytrade_held_signals_undecodable_total") == 0)
        #expect(m.value("copytrade_snapshots_total{outcome=\"failed\"}") == 0)
        #expect((m.value("copytrade_snapshot_age_seconds") ?? -1) >= 0)
        for module in ["pricing", "margin", "sizing", "sync"] {
            #expect(m.value("copytrade_plugin_restarts_total{module=\"\(module)\"}") == 0)
            #expect(m.value("copytrade_module_call_errors_total{module=\"\(module)\"}") == 0)
            let calls = m.value("copytrade_module_call_duration_seconds_count{module=\"\(module)\"}")
            if ModuleConfiguration.current == .inProcess {
                #expect(calls == 0, "in process, \(module) is a function call, not a timed ttrpc call")
            } else if module == "margin" {
                // The walk evaluates the position and decides auto margin on every mark.
                #expect((calls ?? 0) > 0, "margin runs in its own process: its calls are timed")
            }
        }
        let missing = try await MetricsScrape.get(port: port, path: "/other")
        #expect(missing.status == 404)
        #expect(await d.stop() == 0)
    }

    @Test("a mistyped option is refused with exit 64, naming it", arguments: [
        (["--log-level", "loud"], "--log-level"),
        (["--log-format", "xml"], "--log-format"),
        (["--metrics-listen", "9464"], "--metrics-listen"),
        (["--metrics-listen", "localhost:"], "--metrics-listen"),
        (["--metrics-listen", "127.0.0.1:70000"], "--metrics-listen"),
        (["--metrics-listen", "::1:9464"], "--metrics-listen"),
    ])
    func refusedOption(flags: [String], option: String) async throws {
        try Binaries.require(Binaries.copytraded)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-opt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try await ChildProcess.run(Binaries.copytraded, ["--data", dir] + flags, timeLimit: .seconds(30))
        #expect(out.status == 64, "\(out)")
        #expect(out.stderr.contains("\(option): \"\(flags[1])\""), "\(out)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/journal.sqlite"), "refused before anything started")
    }

    @Test("--log-format json: every line is a JSON object; an input's lines carry its key and sequence")
    func jsonLines() async throws {
        let d = try await Daemon.start(flags: ["--log-format", "json", "--log-level", "debug"])
        try await d.must("account", "create", "J", "--role", "trader", "--key", "acct-J")
        let deposit = try await d.must("deposit", "J", "100", "--key", "dep-J")
        let sequence = try #require(deposit.json["sequence"] as? String ?? (deposit.json["sequence"] as? Int).map(String.init))
        #expect(await d.stop() == 0)

        var applied: [[String: Any]] = []
        for line in d.log.split(separator: "\n") where !line.isEmpty {
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            guard let object else { continue }
            for field in ["timestamp", "level", "label", "message"] {
                #expect(object[field] is String, "\(field) missing in \(line)")
            }
            #expect(object["metadata"] is [String: Any], "metadata missing in \(line)")
            if object["message"] as? String == "input applied" { applied.append(object) }
        }
        let mine = applied.compactMap { $0["metadata"] as? [String: Any] }.filter { $0["key"] as? String == "dep-J" }
        #expect(mine.count == 1, "\(applied)")
        #expect(mine.first?["sequence"] as? String == sequence)
        #expect(mine.first?["kind"] as? String == "deposit")
    }
}
