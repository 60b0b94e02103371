/// JSON text for the hand-written JSON the tools print (calculator output, history files,
/// benchmark rows): one escaper, so they all quote strings the same way.
public enum JSONText {
    /// `s` as a JSON string literal, quotes included: `"`, `\`, newline, carriage return and tab
    /// escaped by name, other control characters as `\u00XX`.
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
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
