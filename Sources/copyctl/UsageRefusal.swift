import Calculators

/// A refusal from the argument parser (a value that is not a number, a missing or unknown
/// option) as the same JSON object every other refusal prints with `--json`, so a program never
/// has to parse text: `{"error":{"code":"invalidArgument","field":"--leverage","message":...}}`.
enum UsageRefusal {
    static func json(_ message: String) -> String {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: true)
        let first = lines.first.map { String($0) } ?? message
        let text = first.hasPrefix("Error: ") ? String(first.dropFirst("Error: ".count)) : first
        var e = CalcOutput()
        e.add("code", "invalidArgument")
        e.add("field", field(in: text))
        e.add("message", text)
        var o = CalcOutput()
        o.add("error", .object(e))
        return o.json
    }

    /// The first option the message names (`'--leverage <leverage>'` → `--leverage`), else "".
    static func field(in text: String) -> String {
        guard let start = text.range(of: "--") else { return "" }
        let name = text[start.lowerBound...].prefix { $0 == "-" || $0.isLetter || $0.isNumber }
        return String(name)
    }
}
