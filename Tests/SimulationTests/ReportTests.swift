import Foundation
import Testing
import TestSupport
@testable import Simulation

/// The report is a real page: a headless Chromium renders it to a non-blank PNG, and it holds
/// the expected series.
@Suite("HTML report", .timeLimit(.minutes(3)))
struct ReportTests {
    @Test("chromium renders the report; the SVG names each position's and each copier's series")
    func rendersInHeadlessChromium() async throws {
        let dir = Paths.temporary("report")
        defer { if ProcessInfo.processInfo.environment["KEEP_REPORT"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let r = try await simulate("seed-margin-sync.yaml", into: dir)
        let html = try String(contentsOfFile: (dir as NSString).appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        #expect(html.contains("id=\"mark-BTCUSDT\""))
        for p in r.series.positions { #expect(html.contains("<path id=\"liq-\(p.id)\""), "\(p.id)") }
        #expect(r.series.positions.count == 4)
        for c in ["C1", "C2", "C3"] { #expect(html.contains("<path id=\"equity-\(c)\""), "\(c)") }
        #expect(html.contains("class=\"sync sync-applied\""))
        #expect(html.contains("class=\"sync sync-skipped\""))

        let browser = try #require(CommandLine.which(["chromium", "chromium-browser"]),
                                   "chromium (or chromium-browser) is not installed: `make test` installs it (TEST_PACKAGES)")
        let page = try await screenshot(browser, url: "file://" + (dir as NSString).appendingPathComponent("report.html"), dir: dir, name: "report.png")
        let blankHTML = (dir as NSString).appendingPathComponent("blank.html")
        try "<!DOCTYPE html><html><body style=\"background:#fafafa\"></body></html>".write(toFile: blankHTML, atomically: true, encoding: .utf8)
        let blank = try await screenshot(browser, url: "file://" + blankHTML, dir: dir, name: "blank.png")
        let header = try #require(PNGHeader(page), "not a PNG")
        #expect(header == PNGHeader(blank))
        #expect(header.size.width == 1200)
        // A page of one colour compresses to almost nothing; charts, text and tables don't.
        #expect(page.count > blank.count * 8, "report \(page.count) bytes vs blank \(blank.count) bytes")
        #expect(page.count > 40_000)
    }

    func screenshot(_ browser: String, url: String, dir: String, name: String) async throws -> Data {
        let png = (dir as NSString).appendingPathComponent(name)
        // A time limit: a browser that hangs fails this test instead of the whole run.
        let r = try await ChildProcess.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                               "--no-first-run", "--disable-crash-reporter", "--disable-dev-shm-usage",
                                               "--user-data-dir=\(dir)/chromium-profile", "--screenshot=\(png)", "--window-size=1200,1600", url],
                                           timeLimit: .seconds(90))
        #expect(r.status == 0 && !r.timedOut, "\(r)")
        return try Data(contentsOf: URL(fileURLWithPath: png))
    }
}

/// The signature and IHDR of a PNG: enough to check it is one, and its size.
struct PNGHeader {
    var size: (width: UInt32, height: UInt32)
    init?(_ d: Data) {
        let b = [UInt8](d.prefix(24))
        guard b.count == 24, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], b[12..<16] == [0x49, 0x48, 0x44, 0x52] else { return nil }
        func u32(_ i: Int) -> UInt32 { b[i..<i + 4].reduce(0) { $0 << 8 | UInt32($1) } }
        size = (u32(16), u32(20))
    }
}

extension PNGHeader: Equatable {
    static func == (a: PNGHeader, b: PNGHeader) -> Bool { a.size == b.size }
}
