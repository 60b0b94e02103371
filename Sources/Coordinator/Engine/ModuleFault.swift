import CopyTradeCore

/// A module answered something the coordinator will not apply (docs/decisions.md, "Guards
/// against any module"): a wrong number of answers, an order the copier cannot pay, a quantity
/// off the step, an auto-margin decision without an action. The input is refused UNAVAILABLE
/// with nothing applied, so the caller retries it once the module is fixed or swapped; the
/// coordinator keeps serving.
enum ModuleFault {
    static func error(_ module: String, _ what: String) -> DomainError {
        DomainError(.unavailable, field: "", "the \(module) module answered \(what); nothing was applied: retry once the module is fixed or swapped")
    }
}
