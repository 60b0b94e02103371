/// The methods of `copytrade.v1.Control` a member serves for the whole cluster
/// (``MemberRuntime``, ``ShardRouter``): every unary method but `Shards` (answered from
/// PostgreSQL); `Watch` is the one streaming method. A method missing here would be
/// UNIMPLEMENTED on a member: `ClusterOptionsTests` checks the list against the one-process
/// definition.
enum MemberMethods {
    static let unaryMethods = [
        "Status", "CreateAccount", "Deposit", "Withdraw", "Follow", "Unfollow", "Pause", "Resume", "Open", "Close",
        "AdjustMargin", "PlaceOrder", "CancelOrder", "SetMark", "SetAutoMargin", "SetRollout", "SetRelation",
        "SetAccount", "Settle", "GetAccount", "ListAccounts", "ListPositions", "ListOrders", "ListRelations", "History",
        "GetRollout", "ListModules", "SwapModule",
    ]
}
