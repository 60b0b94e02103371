/// Text that quotes user input, made safe to print on a terminal or write to a log.
///
/// An error message that echoes an account id, a file name or a scenario value back verbatim
/// would let that input drive the terminal (`ESC [2J` clears the screen, OSC sequences set the
/// window title or hyperlinks, a carriage return overwrites the line, bidi controls reorder
/// what is shown). Every message that quotes input is passed through ``escaped(_:)`` once,
/// where it is printed (``DomainError/description``, copyctl's error output, scenario errors).
public enum TerminalText {
    /// `s` with every control or invisible formatting character written as an escape:
    /// `\n`, `\r`, `\t` by name, others as `\u{XX}` (C0, DEL, C1, line/paragraph separators,
    /// bidi and zero-width controls, byte-order mark). Printable text, non-ASCII letters
    /// included, is unchanged; so is text that has nothing to escape.
    /// `keepingNewlines` leaves line feeds as they are, for multi-line texts such as a usage
    /// message (a line feed only starts a line; it cannot drive the terminal).
    public static func escaped(_ s: String, keepingNewlines: Bool = false) -> String {
        guard s.unicodeScalars.contains(where: { needsEscape($0) && !(keepingNewlines && $0 == "\n") }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            switch u {
            case "\n" where keepingNewlines: out += "\n"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if needsEscape(u) {
                    out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// Control characters (C0, DEL, C1) and format characters that change how the rest of the
    /// line is shown without being visible themselves.
    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: return true
        default: return u.properties.generalCategory == .format || u.properties.generalCategory == .unassigned
                 || u.properties.generalCategory == .surrogate || u.properties.generalCategory == .privateUse
        }
    }
}
