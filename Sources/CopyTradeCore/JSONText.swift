/// JSON text for the hand-written JSON the tools print (calculator output, history files,
/// benchmark rows): one escaper, so they all quote strings the same way.
public enum JSONText {
    /// `s` as a JSON string literal, quotes included: `"`, `\`, newline, carriage return and tab
    /// escaped by name, other control characters (and DEL, C1, invisible format characters) as
    /// `\uXXXX` (UTF-16 units).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // C0 as JSON requires; DEL, C1 and invisible format characters too
                // (TerminalText's set), so a printed JSON line cannot drive a terminal either.
                if u.value < 0x20 || TerminalText.needsEscape(u) {
                    for unit in String(u).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
