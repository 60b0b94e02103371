/// The one escaper for text the HTML report writes (`report.html`, its inline SVG).
///
/// Scenario and market files are input: a symbol, an account id, a description or a refusal
/// reason quoting them must reach the page as text, never as markup (an `<img onerror>` in a
/// heading would run script when the report is opened). Element content and attribute values
/// (always double-quoted here) both go through ``escaped(_:)``, so no place needs to know which
/// characters matter where.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references; C0 controls other than tab, line
    /// feed and carriage return, DEL and the C1 range (not allowed in HTML text) as U+FFFD.
    static func escaped(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsWork) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(isForbiddenControl(u) ? "\u{FFFD}" : u)
            }
        }
        return out
    }

    static func needsWork(_ u: Unicode.Scalar) -> Bool {
        u == "&" || u == "<" || u == ">" || u == "\"" || u == "'" || isForbiddenControl(u)
    }

    static func isForbiddenControl(_ u: Unicode.Scalar) -> Bool {
        (u.value < 0x20 && u != "\t" && u != "\n" && u != "\r") || (0x7F...0x9F).contains(u.value)
    }
}
