/// The exported names (Prometheus style, `copytrade_` prefix); docs/metrics.md describes each
/// one, its type and labels. Kept in one place so the documentation and the tests have one list
/// to match.
public enum MetricName {
    public static let inputs = "copytrade_inputs_total"
    public static let inputRefusals = "copytrade_input_refusals_total"
    public static let decisionDuration = "copytrade_decision_duration_seconds"
    public static let commitDuration = "copytrade_commit_duration_seconds"
    public static let journalBatchSize = "copytrade_journal_batch_inputs"
    public static let queueDepth = "copytrade_input_queue_depth"
    public static let heldSignals = "copytrade_held_signals"
    public static let undecodableSignals = "copytrade_held_signals_undecodable_total"
    public static let liquidations = "copytrade_liquidations_total"
    public static let autoMarginAdditions = "copytrade_automargin_additions_total"
    public static let moduleCallDuration = "copytrade_module_call_duration_seconds"
    public static let moduleCallErrors = "copytrade_module_call_errors_total"
    public static let pluginRestarts = "copytrade_plugin_restarts_total"
    public static let watchers = "copytrade_watchers"
    public static let snapshotAge = "copytrade_snapshot_age_seconds"
    public static let snapshots = "copytrade_snapshots_total"
    public static let internalAnswers = "copytrade_internal_answers_total"
}
