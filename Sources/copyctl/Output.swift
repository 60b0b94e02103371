import ArgumentParser
import Calculators
import CopyTradeCore
import ModuleRuntime
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// Prints results and refusals the same way for every command: text or one JSON object on
/// stdout; a refusal also goes to stderr and the process exits 1 (2 when the daemon is
/// unreachable), so scripts can tell a refused input from a missing daemon.
enum Output {
    static func emit(_ output: CalcOutput, json: Bool) {
        print(json ? output.json : output.text())
    }

    /// `fieldNames` renames request fields to the command's own words (`delta` → `amount`).
    static func fail(_ error: any Error, json: Bool, fieldNames: [String: String] = [:]) -> ExitCode {
        let (code, wireField, message, exit) = describe(error)
        let field = fieldNames[wireField] ?? wireField
        if json {
            var o = CalcOutput()
            var e = CalcOutput()
            e.add("code", code)
            e.add("field", field)
            e.add("message", message)
            o.add("error", .object(e))
            print(o.json)
        }
        // The message may quote what was refused: control characters are escaped, never echoed.
        let text = TerminalText.escaped(field.isEmpty ? message : "\(field): \(message)")
        FileHandleStderr.write("copyctl: error: \(text)\n")
        return ExitCode(exit)
    }

    static func describe(_ error: any Error) -> (String, String, String, Int32) {
        if let e = error as? DomainError { return (e.code.rawValue, e.field, e.message, 1) }
        if let e = error as? TTRPCError {
            let unreachable = e.code == .unavailable
            let parsed = DomainErrorWire.decode(e)
            return (parsed?.code.rawValue ?? "\(e.code)", parsed?.field ?? "", parsed?.message ?? e.message, unreachable ? 2 : 1)
        }
        return ("internal", "", "\(error)", 1)
    }
}

/// Unbuffered writes to standard error.
enum FileHandleStderr {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
    }
}

/// Runs a command body, turning thrown errors into the uniform refusal output.
func runReporting(json: Bool, fieldNames: [String: String] = [:], _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        throw Output.fail(error, json: json, fieldNames: fieldNames)
    }
}

/// Parses a decimal option, naming the option in the error.
func decimal(_ text: String, _ field: String) throws -> Decimal8 {
    try Decimal8(parsing: text, field: field)
}

func decimal(_ text: String?, _ field: String) throws -> Decimal8? {
    guard let text else { return nil }
    return try Decimal8(parsing: text, field: field)
}
