import Foundation
import Testing
import TestSupport

/// The progress bar `copyctl simulate` draws on a terminal, seen through a real pseudo-terminal
/// (`script` from util-linux), and its absence when stderr is a file.
@Suite("Simulation progress bar", .timeLimit(.minutes(3)))
struct ProgressTests {
    @Test("on a terminal: bars redrawn in place, ending at total/total, then the line cleared")
    func drawsOnATerminal() async throws {
        let script = try #require(CommandLine.which(["script"]), "`script` (util-linux, Debian bsdutils) is needed")
        let dir = Paths.temporary("progress")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let typescript = (dir as NSString).appendingPathComponent("typescript")
        let command = [CommandLine.binary("copyctl"), "simulate", Paths.example("seed-margin-sync.yaml"),
                       "--out", (dir as NSString).appendingPathComponent("out")].joined(separator: " ")
        let r = try await ChildProcess.run(script, ["-q", "-e", "-c", command, typescript], timeLimit: .seconds(60))
        #expect(r.status == 0 && !r.timedOut, "\(r)")
        let screen = String(decoding: try Data(contentsOf: URL(fileURLWithPath: typescript)), as: UTF8.self)
        let frames = screen.split(separator: "\r").filter { $0.hasPrefix("seed-margin-sync [") }
        #expect(frames.count >= 2, "frames: \(frames)")
        #expect(frames.first?.contains(" 1/11 steps  --/s  ETA --") == true, "\(frames.first ?? "")")
        #expect(frames.last?.contains("[############################] 11/11 steps") == true, "\(frames.last ?? "")")
        #expect(screen.contains("\r\u{1B}[K== seed-margin-sync"), "the bar's line is cleared before the summary")
    }

    @Test("stderr not a terminal: no bar, no carriage returns")
    func silentOtherwise() async throws {
        let dir = Paths.temporary("noprogress")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await CommandLine.copyctl(["simulate", Paths.example("seed-margin-sync.yaml"), "--out", dir + "/out"])
        #expect(r.status == 0, "\(r)")
        #expect(!r.stderr.contains("\r") && !r.stderr.contains("steps"), "\(r.stderr)")
    }
}
