import CopyTradeCore

/// The reference sizer of SPEC §4: exact 128-bit formulas rounded once, quantities always down.
///
/// A value type with no stored references, so the hot path (``plan(_:)``) allocates nothing on
/// success; texts are built only for errors and, on demand, for skips.
public struct StandardCopySizer: CopySizer {
    /// Inclusive bounds a proportional multiplier must lie in.
    public var bounds: MultiplierBounds

    /// A sizer with the given multiplier bounds (SPEC default 0.01...10).
    public init(bounds: MultiplierBounds = .standard) {
        self.bounds = bounds
    }

    public func plan(_ request: CopyOrderRequest) throws(DomainError) -> CopySizingOutcome {
        try validate(request)
        let r = request
        if r.relation.isPaused { return .skipped(CopySkip(reason: .relationPaused)) }

        // An overflow names the figure it hit (a result beyond Decimal8), like every refusal.
        let aim = try target(of: r)
        var quantity = try DomainError.computing("quantity") { () throws(DomainError) in try formulaQuantity(r) }
        var cost = try costs(of: quantity, r)
        if try cost.margin + cost.fee > aim.budget {
            // Only reachable when the fee term is tiny (f ≈ 0): the two 1e-8 round-ups could push
            // margin + fee a unit past the budget. Size against the budget minus those two units.
            quantity = try DomainError.computing("quantity") { () throws(DomainError) in try budgetBoundQuantity(aim.budget, r) }
            cost = try costs(of: quantity, r)
        }

        if quantity < r.rules.minQuantity || quantity.isZero {
            return .skipped(CopySkip(reason: .belowMinimumQuantity, value: quantity, limit: r.rules.minQuantity))
        }
        if try ExactDecimal.compare(cost.exactNotional, r.rules.minNotional.exact) < 0 {
            return .skipped(CopySkip(reason: .belowMinimumNotional, value: try cost.exactNotional.rounded(.down),
                                     limit: r.rules.minNotional))
        }
        if let cap = r.relation.maxMarginPerOrder, cost.margin > cap {
            return .skipped(CopySkip(reason: .aboveMaxMarginPerOrder, value: cost.margin, limit: cap))
        }
        if let cap = r.relation.maxTotalCopyMargin {
            let total = try r.relation.currentTotalCopyMargin + cost.margin
            if total > cap { return .skipped(CopySkip(reason: .aboveMaxTotalCopyMargin, value: total, limit: cap)) }
        }
        let required = try cost.margin + cost.fee
        if let available = r.availableBalance, available < required {
            return .skipped(CopySkip(reason: .insufficientBalance, value: required, limit: available))
        }
        let orderValue = try DomainError.computing("orderValue") { () throws(DomainError) in try cost.exactNotional.rounded(.up) }
        return .planned(CopyOrderPlan(
            side: r.side, quantity: quantity, openValue: orderValue,
            margin: cost.margin, fee: cost.fee, worstPrice: try worstPrice(r),
            targetValue: aim.targetValue, budget: aim.budget, leverage: r.leverage))
    }

    // MARK: - Formula pieces

    /// `max(1 ± k, 1)`: the worst-price factor of the divisor `max(F*(1 ± k), F)` (k ≥ 0 is validated,
    /// so a long divides by `F*(1+k)` and a short by `F`).
    func priceFactor(_ r: CopyOrderRequest) throws(DomainError) -> ExactDecimal {
        r.side == .long ? try ExactDecimal.one + r.slippage.exact : ExactDecimal.one
    }

    /// `1 - f*L`: the share of the target value left after reserving the opening fee.
    func feeLoad(_ r: CopyOrderRequest) throws(DomainError) -> ExactDecimal {
        try ExactDecimal.one - r.rules.takerFeeRate.exact * ExactDecimal(integer: r.leverage)
    }

    /// The mode's target value (`m*V` or `B*L`) and budget (`m*V/L` or `B`), both rounded down.
    func target(of r: CopyOrderRequest) throws(DomainError) -> (targetValue: Decimal8, budget: Decimal8) {
        let lev = ExactDecimal(integer: r.leverage)
        switch r.mode {
        case .proportional(let m):
            let value = try m.exact * r.fillPrice.exact * r.traderQuantity.exact
            return (try DomainError.computing("copierOpenValue") { () throws(DomainError) in try value.rounded(.down) },
                    try DomainError.computing("copierMargin") { () throws(DomainError) in try value.divided(by: lev, rounding: .down) })
        case .fixedMargin(let b):
            return (try DomainError.computing("copierOpenValue") { () throws(DomainError) in try (b.exact * lev).rounded(.down) }, b)
        }
    }

    /// The SPEC quantity, computed exactly and rounded down once to the step (flooring to 1e-8
    /// and then to the coarser step is the same as flooring straight to the step).
    /// Proportional: `m*F*Qt*(1-fL) / (F*max(1±k,1))` — `F` cancels exactly, which keeps the
    /// 128-bit intermediate small. Fixed: `B*L*(1-fL) / (F*max(1±k,1))`.
    func formulaQuantity(_ r: CopyOrderRequest) throws(DomainError) -> Decimal8 {
        let load = try feeLoad(r)
        guard load.signum > 0 else { return .zero }   // the fee would eat the whole target value
        let raw: Decimal8
        switch r.mode {
        case .proportional(let m):
            raw = try (m.exact * r.traderQuantity.exact * load).divided(by: try priceFactor(r), rounding: .down)
        case .fixedMargin(let b):
            let numerator = try b.exact * ExactDecimal(integer: r.leverage) * load
            raw = try numerator.divided(by: try r.fillPrice.exact * priceFactor(r), rounding: .down)
        }
        return try raw.rounded(toMultipleOf: r.rules.stepSize, .down)
    }

    /// The largest step multiple whose rounded-up margin and fee fit `budget`:
    /// `q*F*(1 + f*L)/L ≤ budget - 2e-8`, rounded down.
    func budgetBoundQuantity(_ budget: Decimal8, _ r: CopyOrderRequest) throws(DomainError) -> Decimal8 {
        let room = try budget - Decimal8(units: 2)
        guard room.isPositive else { return .zero }
        let lev = ExactDecimal(integer: r.leverage)
        let perUnit = try r.fillPrice.exact * (ExactDecimal.one + r.rules.takerFeeRate.exact * lev)
        let raw = try (room.exact * lev).divided(by: perUnit, rounding: .down)
        return try raw.rounded(toMultipleOf: r.rules.stepSize, .down)
    }

    /// Exact notional `q*F`, margin `q*F/L` and fee `q*F*f`, the latter two rounded up once.
    func costs(of quantity: Decimal8, _ r: CopyOrderRequest)
        throws(DomainError) -> (exactNotional: ExactDecimal, margin: Decimal8, fee: Decimal8) {
        let notional = try quantity.exact * r.fillPrice.exact
        let margin = try DomainError.computing("orderMargin") { () throws(DomainError) in
            try notional.divided(by: ExactDecimal(integer: r.leverage), rounding: .up)
        }
        let fee = try DomainError.computing("fee") { () throws(DomainError) in try (notional * r.rules.takerFeeRate.exact).rounded(.up) }
        return (notional, margin, fee)
    }

    /// Long `F*(1+k)` rounded down, short `F*(1-k)` rounded up, once, from the exact product
    /// straight to the tick when one is given (else to 1e-8): the protection bound is never
    /// looser than the exact one, and the price is one the market can quote.
    func worstPrice(_ r: CopyOrderRequest) throws(DomainError) -> Decimal8 {
        let long = r.side == .long
        let factor = long ? try ExactDecimal.one + r.slippage.exact : try ExactDecimal.one - r.slippage.exact
        return try DomainError.computing("worstPrice") { () throws(DomainError) in
            try (r.fillPrice.exact * factor).rounded(toMultipleOf: r.rules.tickSize ?? .ulp, long ? .down : .up)
        }
    }
}
