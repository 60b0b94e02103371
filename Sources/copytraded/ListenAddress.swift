/// `--metrics-listen HOST:PORT`: where the metrics endpoint listens. `HOST` is a name or an
/// IPv4 address, or an IPv6 address in brackets (`[::1]:9464`); `PORT` is 1-65535. Anything
/// else is refused before the daemon starts, naming the option, never guessed at.
struct ListenAddress: Equatable, CustomStringConvertible {
    let host: String
    let port: Int

    /// The rule a refused value broke, for the usage error.
    static let rule = "expected HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:9464 or [::1]:9464)"

    init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { return nil }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil  // an IPv6 address must be in brackets, or its port is ambiguous
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_:".contains($0)) }),
              !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
              let port = Int(portText), (1...65_535).contains(port) else { return nil }
        self.host = host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
