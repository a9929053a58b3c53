import DMMCore

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

    /// `file:line:col: error: message` alone, on one printable line (control characters in
    /// the file name or message are shown as visible stand-ins).
    public var summary: String {
        let f = DiagnosticText.visible(file), m = DiagnosticText.visible(message)
        return line > 0 ? "\(f):\(line):\(column): error: \(m)" : "\(f): error: \(m)"
    }

    public var description: String {
        guard line > 0, !sourceLine.isEmpty else { return summary }
        let (shown, pad) = Self.excerpt(sourceLine, column: column)
        return "\(summary)\n    \(shown)\n    \(String(repeating: " ", count: pad))^"
    }

    /// The widest source excerpt shown under a message, in terminal columns.
    public static let excerptWidth = 120

    /// The source line as shown under a message, and the spaces before the caret: control
    /// characters visible (a tab as one space, so the caret stays aligned), wide characters
    /// counted as two columns, and a line wider than `excerptWidth` cut to a window around
    /// `column` with `…` at the cut ends, the caret still under the character at `column`.
    public static func excerpt(_ line: String, column: Int) -> (text: String, caretPad: Int) {
        var cells: [(text: String, width: Int)] = []
        cells.reserveCapacity(line.count)
        for c in line {
            let shown = c == "\t" ? " " : DiagnosticText.visible(c)
            cells.append((shown, DiagnosticText.columns(shown)))
        }
        let at = min(max(0, column - 1), cells.count)
        var before = 0
        for k in 0..<at { before += cells[k].width }
        let total = cells.reduce(0) { $0 + $1.width }
        guard total > excerptWidth else { return (cells.map(\.text).joined(), before) }
        // A window of about excerptWidth columns with the caret a third of the way in.
        var lo = at, hi = at, width = at < cells.count ? cells[at].width : 1
        let budget = excerptWidth - 2
        while lo > 0, width + cells[lo - 1].width <= budget / 3 { lo -= 1; width += cells[lo].width }
        while hi + 1 < cells.count, width + cells[hi + 1].width <= budget { hi += 1; width += cells[hi].width }
        while lo > 0, width + cells[lo - 1].width <= budget { lo -= 1; width += cells[lo].width }
        var text = lo > 0 ? "…" : ""
        var pad = lo > 0 ? 1 : 0
        for k in lo..<min(hi + 1, cells.count) { text += cells[k].text }
        for k in lo..<at { pad += cells[k].width }
        if hi + 1 < cells.count { text += "…" }
        return (text, pad)
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
