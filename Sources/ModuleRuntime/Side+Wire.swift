import CopyTradeCore
import CopyTradeProto

extension Side {
    /// From the wire enum; unspecified is refused, naming `field`.
    public init(wire: Copytrade_V1_Side, field: String) throws(DomainError) {
        switch wire {
        case .long: self = .long
        case .short: self = .short
        case .unspecified, .UNRECOGNIZED: throw DomainError.invalid(field, "must be long or short")
        }
    }

    /// The wire enum.
    public var wire: Copytrade_V1_Side { self == .long ? .long : .short }
}

extension MarginMode {
    /// From the wire enum; unspecified means isolated, the copy-trading default.
    public init(wire: Copytrade_V1_MarginMode) {
        self = wire == .cross ? .cross : .isolated
    }

    /// From a client's request: unspecified means isolated; a value this version does not know
    /// (`margin_mode = 9`, decoded as UNRECOGNIZED) is refused naming `field`, never read as
    /// isolated (issue 10; docs/decisions.md, "Coordinator").
    public init(wire: Copytrade_V1_MarginMode, field: String) throws(DomainError) {
        switch wire {
        case .unspecified, .isolated: self = .isolated
        case .cross: self = .cross
        case .UNRECOGNIZED(let n): throw DomainError.invalid(field, "must be isolated or cross, got \(n)")
        }
    }

    /// The wire enum.
    public var wire: Copytrade_V1_MarginMode { self == .cross ? .cross : .isolated }
}
