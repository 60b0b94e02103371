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

    /// The wire enum.
    public var wire: Copytrade_V1_MarginMode { self == .cross ? .cross : .isolated }
}
