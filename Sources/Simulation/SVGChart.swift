import CopyTradeCore
import Foundation

/// A time chart drawn as inline SVG: axes, grid, labelled ticks, step lines and markers. Money
/// stays `Decimal8` up to here; only screen coordinates are `Double` (drawing, not arithmetic).
/// Every text and attribute value it writes goes through ``HTMLText/escaped(_:)``; numbers and
/// coordinates are formatted here and need none.
struct SVGChart {
    var width = 1100.0
    var height = 300.0
    let left = 78.0, right = 16.0, top = 14.0, bottom = 28.0
    var t0: Millis
    var t1: Millis
    var low: Decimal8
    var high: Decimal8
    private(set) var body = ""
    /// When set, the value axis shows these names at 0, 1, 2... instead of numbers (a lane chart).
    var laneLabels: [String]?

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]
    static let maxPointsPerSeries = 2000

    init(t0: Millis, t1: Millis, values: [Decimal8], height: Double = 300) {
        self.t0 = t0
        self.t1 = max(t1, t0 + 1)
        self.height = height
        var lo = values.min() ?? .zero, hi = values.max() ?? .one
        if lo == hi { lo = Decimal8(units: lo.units - max(1, lo.magnitude.units / 100)); hi = Decimal8(units: hi.units + max(1, hi.magnitude.units / 100)) }
        let pad = (hi.units - lo.units) / 20
        low = Decimal8(units: lo.units - pad)
        high = Decimal8(units: hi.units + pad)
    }

    func x(_ t: Millis) -> Double { left + (width - left - right) * Double(t - t0) / Double(t1 - t0) }
    func y(_ v: Decimal8) -> Double {
        top + (height - top - bottom) * (1 - Double(v.units - low.units) / Double(high.units - low.units))
    }

    static func f(_ d: Double) -> String { String(format: "%.1f", d) }

    /// A step line: the value holds until the next point; `nil` ends a segment (a closed
    /// position); the last open segment runs to the chart's end.
    mutating func stepLine(_ points: [RunSeries.Point], id: String, title: String, color: String, cssClass: String, dashed: Bool = false) {
        let pts = Self.thin(points)
        var d = ""
        var previous: (Double, Double)?
        for p in pts {
            let px = x(p.t)
            if let prev = previous { d += " L\(Self.f(px)) \(Self.f(prev.1))" }
            guard let v = p.value else { previous = nil; continue }
            let py = y(v)
            d += previous == nil ? " M\(Self.f(px)) \(Self.f(py))" : " L\(Self.f(px)) \(Self.f(py))"
            previous = (px, py)
        }
        if let prev = previous { d += " L\(Self.f(x(t1))) \(Self.f(prev.1))" }
        guard !d.isEmpty else { return }
        body += "<path id=\"\(HTMLText.escaped(id))\" class=\"\(HTMLText.escaped(cssClass))\" d=\"\(d.dropFirst())\" stroke=\"\(HTMLText.escaped(color))\" fill=\"none\" stroke-width=\"1.6\"\(dashed ? " stroke-dasharray=\"5 3\"" : "")><title>\(HTMLText.escaped(title))</title></path>\n"
    }

    mutating func marker(t: Millis, value: Decimal8, shape: String, color: String, cssClass: String, title: String) {
        let (px, py) = (x(t), y(value))
        let color = HTMLText.escaped(color), cssClass = HTMLText.escaped(cssClass)
        let svg: String
        switch shape {
        case "x": svg = "<path d=\"M\(Self.f(px - 5)) \(Self.f(py - 5)) L\(Self.f(px + 5)) \(Self.f(py + 5)) M\(Self.f(px - 5)) \(Self.f(py + 5)) L\(Self.f(px + 5)) \(Self.f(py - 5))\" stroke=\"\(color)\" stroke-width=\"2.5\""
        case "triangle": svg = "<path d=\"M\(Self.f(px)) \(Self.f(py - 6)) L\(Self.f(px + 5)) \(Self.f(py + 4)) L\(Self.f(px - 5)) \(Self.f(py + 4)) Z\" fill=\"\(color)\""
        case "diamond": svg = "<path d=\"M\(Self.f(px)) \(Self.f(py - 6)) L\(Self.f(px + 6)) \(Self.f(py)) L\(Self.f(px)) \(Self.f(py + 6)) L\(Self.f(px - 6)) \(Self.f(py)) Z\" fill=\"\(color)\" stroke=\"#fff\" stroke-width=\"1\""
        case "square": svg = "<path d=\"M\(Self.f(px - 5)) \(Self.f(py - 5)) L\(Self.f(px + 5)) \(Self.f(py - 5)) L\(Self.f(px + 5)) \(Self.f(py + 5)) L\(Self.f(px - 5)) \(Self.f(py + 5)) Z\" fill=\"\(color)\" stroke=\"#fff\" stroke-width=\"1\""
        default: svg = "<circle cx=\"\(Self.f(px))\" cy=\"\(Self.f(py))\" r=\"4.5\" fill=\"\(color)\""
        }
        body += "\(svg) class=\"\(cssClass)\"><title>\(HTMLText.escaped(title))</title>\(shape == "circle" ? "</circle>" : "</path>")\n"
    }

    mutating func raw(_ s: String) { body += s }

    /// Axes, a light grid, five value ticks and six time ticks.
    func frame(unitLabel: String) -> String {
        var s = "<rect x=\"\(Self.f(left))\" y=\"\(Self.f(top))\" width=\"\(Self.f(width - left - right))\" height=\"\(Self.f(height - top - bottom))\" fill=\"#fff\" stroke=\"#bbb\"/>\n"
        if let lanes = laneLabels {
            for (i, name) in lanes.enumerated() {
                let py = y(Decimal8(i))
                s += "<line x1=\"\(Self.f(left))\" x2=\"\(Self.f(width - right))\" y1=\"\(Self.f(py))\" y2=\"\(Self.f(py))\" stroke=\"#eee\"/>"
                s += "<text x=\"\(Self.f(left - 6))\" y=\"\(Self.f(py + 4))\" text-anchor=\"end\">\(HTMLText.escaped(name))</text>\n"
            }
        }
        for i in 0...4 where laneLabels == nil {
            let v = Decimal8(units: low.units + (high.units - low.units) / 4 * Int64(i))
            let py = y(v)
            let label = (try? v.rounded(toMultipleOf: Self.labelStep(high.units - low.units), .halfEven)) ?? v
            s += "<line x1=\"\(Self.f(left))\" x2=\"\(Self.f(width - right))\" y1=\"\(Self.f(py))\" y2=\"\(Self.f(py))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(Self.f(left - 6))\" y=\"\(Self.f(py + 4))\" text-anchor=\"end\">\(label)</text>\n"
        }
        for i in 0...5 {
            let t = t0 + (t1 - t0) * Millis(i) / 5
            s += "<text x=\"\(Self.f(x(t)))\" y=\"\(Self.f(height - 8))\" text-anchor=\"middle\">\(ScenarioTime.format(t))</text>\n"
        }
        s += "<text x=\"4\" y=\"\(Self.f(top + 10))\" class=\"unit\">\(HTMLText.escaped(unitLabel))</text>\n"
        return s
    }

    func svg(id: String, unitLabel: String) -> String {
        "<svg id=\"\(HTMLText.escaped(id))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">\n"
            + frame(unitLabel: unitLabel) + body + "</svg>\n"
    }

    static func labelStep(_ spanUnits: Int64) -> Decimal8 {
        var step: Int64 = 1
        while step * 100 < spanUnits, step < Decimal8.unitsPerOne * 1_000_000 { step *= 10 }
        return Decimal8(units: step)
    }

    /// At most ``maxPointsPerSeries`` points: every k-th, and always the last and every gap.
    static func thin(_ points: [RunSeries.Point]) -> [RunSeries.Point] {
        guard points.count > maxPointsPerSeries else { return points }
        let k = (points.count + maxPointsPerSeries - 1) / maxPointsPerSeries
        return points.enumerated().filter { $0.offset % k == 0 || $0.offset == points.count - 1 || $0.element.value == nil }.map(\.element)
    }
}
