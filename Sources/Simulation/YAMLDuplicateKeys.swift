import Yams

/// YAML allows a mapping to repeat a key and most readers silently keep one of the values (Yams
/// keeps both; a lookup finds the first). In a scenario that hides a mistake: a second `price:`
/// or `accounts:` would be ignored. The whole document is checked once, before any section is
/// read, and a repeated key is refused naming its path and both lines.
///
/// The walk also counts the values it visits, aliases expanded: a file whose aliases multiply
/// into more values than ``ScenarioLimits/maxYAMLValues`` is refused before anything is built
/// from it (a "billion laughs" file would otherwise take all memory in the sections' readers).
enum YAMLDuplicateKeys {
    static func check(_ root: Node, file: String) throws(ScenarioError) {
        var stack: [(Node, String)] = [(root, "")]
        var visited = 1
        func count(_ node: Node, _ path: String) throws(ScenarioError) {
            visited += 1
            if visited > ScenarioLimits.maxYAMLValues {
                throw ScenarioError(file: file, line: node.mark?.line ?? 0, path: path,
                                    rule: "the file has more than \(ScenarioLimits.maxYAMLValues) values (aliases expanded); see Limits in docs/scenarios.md")
            }
        }
        // Only mappings and lists are pushed (with their path); scalars are just counted.
        while let (node, path) = stack.popLast() {
            switch node {
            case .mapping(let m):
                var firstLine: [String: Int] = [:]
                for (k, v) in m {
                    try count(v, path)
                    let key = k.string ?? "?"
                    let line = k.mark?.line ?? 0
                    if let first = firstLine[key] {
                        throw ScenarioError(file: file, line: line, path: path.isEmpty ? key : "\(path).\(key)",
                                            rule: "duplicate key \"\(key)\" (first at line \(first)); each key may appear once")
                    }
                    firstLine[key] = line
                    if v.scalar == nil { stack.append((v, path.isEmpty ? key : "\(path).\(key)")) }
                }
            case .sequence(let s):
                for (i, v) in s.enumerated() {
                    try count(v, path)
                    if v.scalar == nil { stack.append((v, "\(path)[\(i)]")) }
                }
            default:
                break
            }
        }
    }
}
