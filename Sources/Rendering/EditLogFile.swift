import DMMCore
import PatchLanguage

/// The edit log of a live session: one ΔW fragment per line with the tick that applied it.
///
/// Format (`dmm live --record`): `TICK<TAB>{row:{column:dw}}`, `#` comments allowed. Edits are
/// additive V-values, so replaying them at the same ticks reproduces the session exactly.
public enum EditLogFile {
    /// One line of the log.
    public static func line(tick: Int, delta: VValue) -> String { "\(tick)\t\(delta)" }

    /// Reads a log; each edit is checked against the network so a bad log fails before rendering.
    public static func read(path: String, network: Network) throws(PatchError) -> [(tick: Int, delta: VValue)] {
        let text = try PatchLoader.readText(path)
        var out: [(tick: Int, delta: VValue)] = []
        var check = network
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = raw.trimmingPrefix(while: { $0 == " " })
            if l.isEmpty || l.hasPrefix("#") { continue }
            let parts = l.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let tick = Int(parts[0]) else {
                throw PatchError(file: path, line: i + 1, column: 1, message: "expected 'TICK<TAB>{…}'", sourceLine: String(raw))
            }
            do {
                let d = try VValue(parsing: String(parts[1]))
                try check.apply(delta: d)
                out.append((tick, d))
            } catch let e as KindError {
                throw PatchError(file: path, line: i + 1, column: parts[0].count + 2, message: e.message, sourceLine: String(raw))
            } catch {
                throw PatchError(file: path, line: i + 1, column: parts[0].count + 2, message: "\(error)", sourceLine: String(raw))
            }
        }
        return out
    }
}
