/// A problem in a patch, located at `file:line:col`.
///
/// The description is the compiler-style first line (`plasma.dmm:12:8: error: unknown neuron
/// 's3'; did you mean 's2'?`) followed by the offending line and a caret under the column, so
/// that the CLI can print it as is.
public struct PatchError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    /// The text of the offending line (empty when the error is not tied to one).
    public var sourceLine: String

    public init(file: String, line: Int, column: Int, message: String, sourceLine: String = "") {
        self.file = file; self.line = line; self.column = column; self.message = message; self.sourceLine = sourceLine
    }

    /// `file:line:col: error: message` alone.
    public var summary: String {
        line > 0 ? "\(file):\(line):\(column): error: \(message)" : "\(file): error: \(message)"
    }

    public var description: String {
        guard line > 0, !sourceLine.isEmpty else { return summary }
        let caretPad = String(repeating: " ", count: max(0, column - 1))
        return "\(summary)\n    \(sourceLine)\n    \(caretPad)^"
    }
}

/// Suggests the nearest name ("did you mean 's2'?") by edit distance: the one rule every
/// diagnostic uses (patch loading, live commands).
public enum NameSuggestion {
    public static func nearest(_ name: String, among candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(Array(name), Array(c))
            let limit = max(1, min(3, c.count / 2))
            if d <= limit, d < max(name.count, c.count), best == nil || d < best!.1 || (d == best!.1 && c < best!.0) { best = (c, d) }
        }
        return best?.0
    }

    /// `; did you mean 'x'?`, or empty when no name is near enough.
    public static func hint(_ name: String, among candidates: [String]) -> String {
        nearest(name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count), cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
