import CopyTradeCore
import Sizing
import Testing

/// A bad request and the field its error must name.
struct BadRequest: Sendable, CustomTestStringConvertible {
    var field: String
    var request: CopyOrderRequest
    var testDescription: String { field }
}

private func withRules(_ change: (inout CopySymbolRules) -> Void) -> CopyOrderRequest {
    var rules = btcRules
    change(&rules)
    return btcRequest(rules: rules)
}

let badRequests: [BadRequest] = [
    BadRequest(field: "multiplier", request: btcRequest(mode: .proportional(multiplier: "0.00999999"))),
    BadRequest(field: "multiplier", request: btcRequest(mode: .proportional(multiplier: "10.00000001"))),
    BadRequest(field: "multiplier", request: btcRequest(mode: .proportional(multiplier: 0))),
    BadRequest(field: "fixedMargin", request: btcRequest(mode: .fixedMargin(0))),
    BadRequest(field: "fixedMargin", request: btcRequest(mode: .fixedMargin("-1"))),
    BadRequest(field: "fillPrice", request: btcRequest(fill: 0)),
    BadRequest(field: "fillPrice", request: btcRequest(fill: "-20000")),
    BadRequest(field: "traderQuantity", request: btcRequest(quantity: 0)),
    BadRequest(field: "traderQuantity", request: btcRequest(quantity: "-0.5")),
    BadRequest(field: "leverage", request: btcRequest(leverage: 0)),
    BadRequest(field: "leverage", request: btcRequest(leverage: 151)),
    BadRequest(field: "slippage", request: btcRequest(slippage: "-0.001")),
    BadRequest(field: "slippage", request: btcRequest(slippage: 1)),
    BadRequest(field: "availableBalance", request: btcRequest(available: "-0.00000001")),
    BadRequest(field: "relation.currentTotalCopyMargin", request: btcRequest(relation: CopyRelationLimits(currentTotalCopyMargin: "-1"))),
    BadRequest(field: "relation.maxMarginPerOrder", request: btcRequest(relation: CopyRelationLimits(maxMarginPerOrder: 0))),
    BadRequest(field: "relation.maxTotalCopyMargin", request: btcRequest(relation: CopyRelationLimits(maxTotalCopyMargin: "-5"))),
    BadRequest(field: "rules.stepSize", request: withRules { $0.stepSize = 0 }),
    BadRequest(field: "rules.tickSize", request: withRules { $0.tickSize = 0 }),
    BadRequest(field: "rules.minQuantity", request: withRules { $0.minQuantity = "-0.001" }),
    BadRequest(field: "rules.minNotional", request: withRules { $0.minNotional = "-5" }),
    BadRequest(field: "rules.maxLeverage", request: withRules { $0.maxLeverage = 0 }),
    BadRequest(field: "rules.takerFeeRate", request: withRules { $0.takerFeeRate = "-0.0001" }),
    BadRequest(field: "rules.takerFeeRate", request: withRules { $0.takerFeeRate = 1 }),
    // Bad input is an error even on a paused relation.
    BadRequest(field: "fillPrice", request: btcRequest(fill: 0, relation: CopyRelationLimits(isPaused: true))),
]

@Suite("Copy sizing input validation")
struct CopySizingValidationTests {
    @Test("bad input throws invalidArgument naming the field", arguments: badRequests)
    func namesField(_ bad: BadRequest) {
        let error = #expect(throws: DomainError.self) { try StandardCopySizer().plan(bad.request) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == bad.field)
        #expect(error?.message.isEmpty == false)
    }

    @Test("multiplier bounds are inclusive at both ends")
    func boundsInclusive() throws {
        let sizer = StandardCopySizer()
        // m = 0.01 on a large trader fill: Qt = 100: q = 1*0.995/1.005 = 0.99004975... -> 0.99.
        #expect(try sizer.plan(btcRequest(quantity: 100, mode: .proportional(multiplier: "0.01"))).plan?.quantity == "0.99")
        // m = 10: q = 5*0.995/1.005 = 4.95024875... -> 4.9502.
        #expect(try sizer.plan(btcRequest(mode: .proportional(multiplier: 10))).plan?.quantity == "4.9502")
    }

    @Test("bounds themselves are validated")
    func boundsValidation() {
        let low = #expect(throws: DomainError.self) { try MultiplierBounds(minimum: 0, maximum: 10) }
        #expect(low?.field == "multiplierBounds.minimum")
        let inverted = #expect(throws: DomainError.self) { try MultiplierBounds(minimum: 2, maximum: 1) }
        #expect(inverted?.field == "multiplierBounds.maximum")
    }

    @Test("overflow is an error, never a wrap")
    func overflow() {
        let rules = CopySymbolRules(stepSize: Decimal8.ulp, tickSize: nil, minQuantity: 0, minNotional: 0,
                                    maxLeverage: 10, takerFeeRate: 0)
        let error = #expect(throws: DomainError.self) {
            try StandardCopySizer().plan(btcRequest(fill: "90000000000", quantity: "90000000000",
                                                    mode: .proportional(multiplier: 10), rules: rules))
        }
        #expect(error?.code == .overflow)
    }
}
