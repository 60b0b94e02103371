/// ArgumentParser reads a word like `-5` as an option (apple/swift-argument-parser#31), so
/// `copyctl deposit A -5` failed as a usage error ("missing <amount>", exit 64, no JSON) instead
/// of the refusal naming the amount. Negative numbers are moved where the parser takes them as
/// values: an option's value joins it (`--delta=-300`); a positional goes after `--` at the end
/// (amounts and prices are the last positionals of every command).
enum NegativeNumbers {
    /// Options that take no value, so a number after one is a positional.
    static let flags: Set<String> = ["--json", "--help", "--handshake", "--inprocess"]

    static func protect(_ args: [String]) -> [String] {
        guard !args.contains("--") else { return args }
        var out: [String] = []
        var positionals: [String] = []
        for word in args {
            guard isNegativeNumber(word) else {
                out.append(word)
                continue
            }
            if let option = out.last, option.hasPrefix("--"), !option.contains("="), !flags.contains(option) {
                out[out.count - 1] = option + "=" + word
            } else {
                positionals.append(word)
            }
        }
        return positionals.isEmpty ? out : out + ["--"] + positionals
    }

    /// `-5`, `-0.25`, `-.5`, and also what only looks like a number (`-1e3`, `-5,000`, `-0x5`):
    /// a minus sign then a digit or a point, and no further minus. No copyctl option starts with a
    /// digit, so such a word is always a value; passed on as one, it meets the amount's own rule
    /// (`amount: exponents are not accepted`, exit 1) instead of ArgumentParser's "missing
    /// <amount>" (exit 64, issue 10). An id such as `-2-3` is left alone.
    static func isNegativeNumber(_ word: String) -> Bool {
        let body = word.dropFirst()
        guard word.first == "-", let first = body.first, first.isASCII, first.isNumber || first == "." else { return false }
        return !body.contains("-") && body.contains(where: \.isNumber)
    }
}
