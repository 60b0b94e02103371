import CopyTradeCore

extension StandardCopySizer {
    /// Refuses bad input before any arithmetic, naming the field and the rule it broke.
    /// Bad input is an error even when the relation is paused: a caller bug must surface.
    func validate(_ r: CopyOrderRequest) throws(DomainError) {
        switch r.mode {
        case .proportional(let m):
            guard bounds.contains(m) else {
                throw DomainError.invalid("multiplier", "must be between \(bounds.minimum) and \(bounds.maximum) inclusive, got \(m)")
            }
        case .fixedMargin(let b):
            guard b.isPositive else { throw DomainError.invalid("fixedMargin", "must be greater than 0, got \(b)") }
        }
        guard r.fillPrice.isPositive else { throw DomainError.invalid("fillPrice", "must be greater than 0, got \(r.fillPrice)") }
        guard r.traderQuantity.isPositive else {
            throw DomainError.invalid("traderQuantity", "must be greater than 0, got \(r.traderQuantity)")
        }
        try Self.validate(rules: r.rules)
        guard r.leverage >= 1, r.leverage <= r.rules.maxLeverage else {
            throw DomainError.invalid("leverage", "must be between 1 and the symbol's maximum \(r.rules.maxLeverage), got \(r.leverage)")
        }
        guard !r.slippage.isNegative, r.slippage < .one else {
            throw DomainError.invalid("slippage", "must be in [0, 1), got \(r.slippage)")
        }
        if let available = r.availableBalance, available.isNegative {
            throw DomainError.invalid("availableBalance", "must not be negative, got \(available)")
        }
        try Self.validate(relation: r.relation)
    }

    static func validate(rules: CopySymbolRules) throws(DomainError) {
        guard rules.stepSize.isPositive else { throw DomainError.invalid("rules.stepSize", "must be greater than 0") }
        if let tick = rules.tickSize, !tick.isPositive {
            throw DomainError.invalid("rules.tickSize", "must be greater than 0 when given")
        }
        guard !rules.minQuantity.isNegative else { throw DomainError.invalid("rules.minQuantity", "must not be negative") }
        guard !rules.minNotional.isNegative else { throw DomainError.invalid("rules.minNotional", "must not be negative") }
        guard rules.maxLeverage >= 1 else { throw DomainError.invalid("rules.maxLeverage", "must be at least 1") }
        guard !rules.takerFeeRate.isNegative, rules.takerFeeRate < .one else {
            throw DomainError.invalid("rules.takerFeeRate", "must be in [0, 1), got \(rules.takerFeeRate)")
        }
    }

    static func validate(relation: CopyRelationLimits) throws(DomainError) {
        guard !relation.currentTotalCopyMargin.isNegative else {
            throw DomainError.invalid("relation.currentTotalCopyMargin", "must not be negative")
        }
        if let cap = relation.maxMarginPerOrder, !cap.isPositive {
            throw DomainError.invalid("relation.maxMarginPerOrder", "must be greater than 0 when set (pause the relation instead)")
        }
        if let cap = relation.maxTotalCopyMargin, !cap.isPositive {
            throw DomainError.invalid("relation.maxTotalCopyMargin", "must be greater than 0 when set (pause the relation instead)")
        }
    }
}
