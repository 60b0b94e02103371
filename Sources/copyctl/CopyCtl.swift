import ArgumentParser
import CopyTradeCore
#if canImport(Glibc)
import Glibc
#endif

/// The operator CLI of CopyTrade: talks to the coordinator over its control socket, and
/// computes domain figures locally (or through a module socket) with `calc`.
@main
struct CopyCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copyctl",
        abstract: "Operate a CopyTrade coordinator and check its numbers.",
        discussion: "Global options (--socket PATH, --json) may come before or after the command.",
        subcommands: [
            Status.self, AccountCommand.self, Deposit.self, Withdraw.self, Follow.self, Unfollow.self, Pause.self, Resume.self,
            RelationCommand.self, SettleCommand.self, TraderCommand.self, PriceCommand.self, PositionCommand.self, AutoMarginCommand.self, History.self, Watch.self,
            PluginCommand.self, RolloutCommand.self, Shards.self, Simulate.self,
            Calc.self,
        ]
    )

    /// Accepts `copyctl --socket PATH --json COMMAND ...` by moving leading global options
    /// after the command, where every command declares them.
    static func main() async {
        let arguments = NegativeNumbers.protect(GlobalArguments.hoist(Array(CommandLine.arguments.dropFirst())))
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // ArgumentParser's messages quote the words it could not parse; like every other
            // refusal they are printed with control characters escaped (TerminalText).
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    print(message)
                } else {
                    if arguments.contains("--json") { print(UsageRefusal.json(message)) }
                    FileHandleStderr.write(TerminalText.escaped(message, keepingNewlines: true) + "\n")
                }
            }
            Glibc.exit(code.rawValue)
        }
    }
}

enum GlobalArguments {
    static func hoist(_ args: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < args.count {
            if args[i] == "--json" {
                leading.append(args[i])
                i += 1
            } else if args[i] == "--socket", i + 1 < args.count {
                leading += [args[i], args[i + 1]]
                i += 2
            } else if args[i].hasPrefix("--socket=") {
                leading.append(args[i])
                i += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty else { return args }
        return Array(args[i...]) + leading
    }
}
