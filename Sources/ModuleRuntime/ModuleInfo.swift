import CopyTradeProto

/// Identity of the built-in Swift modules, answered by every module's `Info` method.
public enum ModuleInfo {
    /// The project version reported by built-in modules and the daemon.
    public static let version = "0.1.0"

    public static func make(module: String, capabilities: [String]) -> Copytrade_V1_ModuleInfo {
        var i = Copytrade_V1_ModuleInfo()
        i.module = module
        i.name = "swift-builtin"
        i.version = version
        i.capabilities = capabilities
        return i
    }
}
