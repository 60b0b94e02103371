import Foundation

/// The shared-token scheme: each request carries metadata `authorization: Bearer <token>`.
///
/// The server checks it before routing (so an unauthenticated peer cannot even learn which
/// services exist) and answers UNAUTHENTICATED "missing or invalid token" otherwise. The one
/// exception is the health service (`grpc.health.v1.Health`), which answers without a token so
/// load balancers and supervisors can probe the server; it reveals only whether the server
/// (or a named service) is serving.
///
/// A token authenticates the peer, it does not hide the traffic: over TCP use it together with
/// TLS, or the token travels in clear text.
public enum TTRPCToken {
    /// The metadata key carrying the token.
    public static let metadataKey = "authorization"

    /// The metadata value for `token`.
    public static func metadataValue(for token: String) -> String { "Bearer \(token)" }

    /// Reads a token from a file (e.g. `--token-file`): its content with surrounding
    /// whitespace and newlines removed; errors name the file.
    public static func load(fromFile path: String) throws(TTRPCError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TTRPCError(
                code: .invalidArgument,
                message: "ttrpc: cannot read token file \(path): \((error as NSError).localizedDescription)",
                cause: error)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: token file \(path) is not UTF-8 text")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        try validate(token, source: "token file \(path)")
        return token
    }

    /// A usable token is non-empty and has no whitespace or control characters (it must
    /// survive `Bearer <token>` and a trip through a file).
    static func validate(_ token: String, source: String) throws(TTRPCError) {
        guard !token.isEmpty else {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: \(source): token is empty")
        }
        guard !token.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw TTRPCError(code: .invalidArgument, message: "ttrpc: \(source): token contains whitespace or control characters")
        }
    }

    /// Whether `metadata` carries `Bearer <expected>` under `authorization` (first value; key and
    /// scheme matched case-insensitively). The token itself is compared in constant time.
    static func isAuthorized(_ metadata: TTRPCMetadata, expected: String) -> Bool {
        guard !expected.isEmpty, let value = metadata[metadataKey] else { return false }
        let scheme = "bearer "
        guard value.utf8.count >= scheme.utf8.count,
            value.utf8.prefix(scheme.utf8.count).elementsEqual(scheme.utf8, by: { lower($0) == $1 })
        else { return false }
        return constantTimeEquals(Array(value.utf8.dropFirst(scheme.utf8.count)), Array(expected.utf8))
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    /// Compares without an early exit: the time depends on the lengths only, never on where
    /// the first differing byte is.
    static func constantTimeEquals(_ presented: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: presented.count ^ expected.count)
        for index in 0..<expected.count {
            let byte = index < presented.count ? presented[index] : 0
            difference |= UInt(byte ^ expected[index])
        }
        return difference == 0
    }
}
