import CopyTradeCore
import CopyTradeProto
import Margin
import ModuleRuntime

extension Calculator {
    /// `calc automargin`: walks the mark path, asking the margin module for one auto-margin
    /// action at a time and applying it (SPEC §3: cancel orders, add `min(A, available)`,
    /// repeat while liquidatable and money is available, else liquidate at the bankruptcy price).
    public func autoMargin(_ input: AutoMarginInput) async throws -> CalcOutput {
        try await naming(Self.liquidationFields, figure: "autoMargin") { try await autoMarginUnnamed(input) }
    }

    func autoMarginUnnamed(_ input: AutoMarginInput) async throws -> CalcOutput {
        guard !input.path.isEmpty else { throw DomainError.invalid("--path", "must list at least one mark price") }
        // Each mark is checked here, naming its place in the path: the module would name `mark`.
        for (n, mark) in input.path.enumerated() where !mark.isPositive {
            throw DomainError.invalid("--path[\(n)]", "must be greater than 0, got \(mark)")
        }
        if input.available.isNegative { throw DomainError.invalid("--available", "must not be negative") }
        if !input.amount.isPositive { throw DomainError.invalid("--amount", "must be greater than 0") }
        if input.orderMargin.isNegative { throw DomainError.invalid("--order-margin", "must not be negative") }
        var position = input.position
        var available = input.available
        var held = input.orderMargin
        var events: [CalcOutput] = []
        var liquidated = false
        let base = try evaluateRequest(position, mark: nil)
        try await margin { api in
            walk: for mark in input.path {
                // Each step changes margin or available, so the loop ends; the bound guards a faulty plugin.
                for _ in 0..<10_000 {
                    var req = Copytrade_V1_AutoMarginRequest()
                    req.preset = base.preset
                    req.risk = base.risk
                    req.position = try evaluateRequest(position, mark: nil).position
                    req.markPriceE8 = mark.e8
                    req.availableE8 = available.e8
                    req.amountE8 = input.amount.e8
                    req.cancellableOrderMarginE8 = held.e8
                    req.autoMarginEnabled = true
                    let d = try await api.decideAutoMargin(req)
                    var e = CalcOutput()
                    e.add("mark", mark)
                    switch d.action {
                    case .none, .unspecified, .UNRECOGNIZED:
                        continue walk
                    case .cancelOrders:
                        e.add("action", "cancel_orders")
                        e.add("amount", held)
                        available = try available + held
                        held = .zero
                    case .addMargin:
                        let add = Decimal8(e8: d.addAmountE8)
                        guard add.isPositive, add <= available else {
                            throw DomainError(.internal, field: "addAmount", "margin module proposed \(add) with \(available) available")
                        }
                        position.margin = try position.margin + add
                        available = try available - add
                        let after = try await api.evaluate(try evaluateRequest(position, mark: nil))
                        e.add("action", "add_margin")
                        e.add("amount", add)
                        e.add("margin", position.margin)
                        e.add("liquidationPrice", after.hasLiquidationPrice_p ? Decimal8(e8: after.liquidationPriceRoundedE8) : nil)
                    case .liquidate:
                        e.add("action", "liquidate")
                        e.add("price", Decimal8(e8: d.evaluation.bankruptcyPriceE8))
                        e.add("amount", position.margin)
                        liquidated = true
                    }
                    e.add("available", available)
                    events.append(e)
                    if liquidated { break walk }
                }
                throw DomainError(.internal, field: "", "auto margin did not settle at mark \(mark)")
            }
        }
        var out = CalcOutput()
        out.add("events", .list(events))
        out.add("liquidated", liquidated)
        out.add("margin", liquidated ? Decimal8.zero : position.margin)
        out.add("available", available)
        if !liquidated {
            let final = try await margin { try await $0.evaluate(try evaluateRequest(position, mark: nil)) }
            out.add("liquidationPrice", final.hasLiquidationPrice_p ? Decimal8(e8: final.liquidationPriceRoundedE8) : nil)
        }
        return out
    }
}
