import ArgumentParser

/// The operator CLI of CopyTrade: talks to the coordinator over its control socket, and
/// computes domain figures locally (or through a module socket) with `calc`.
@main
struct CopyCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copyctl",
        abstract: "Operate a CopyTrade coordinator and check its numbers.",
        subcommands: [
            Status.self, AccountCommand.self, Deposit.self, Withdraw.self, Follow.self, Unfollow.self, Pause.self, Resume.self,
            TraderCommand.self, PriceCommand.self, PositionCommand.self, AutoMarginCommand.self, History.self, Watch.self,
            Calc.self,
        ]
    )
}
