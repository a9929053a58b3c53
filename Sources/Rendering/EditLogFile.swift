import DMMCore
import PatchLanguage

/// The edit log of a live session: one ΔW fragment per line with the tick that applied it.
///
/// Format (`dmm live --record`): `TICK<TAB>{row:{column:dw}}`, `#` comments allowed. Edits are
/// additive V-values, so replaying them at the same ticks reproduces the session exactly.
/// Structural edits, which a ΔW cannot express, are lines `TICK<TAB>declare NAME: KIND(…)` and
/// `TICK<TAB>remove NAME` (see ``NeuronEdit``); at one tick they come before its ΔW.
public enum EditLogFile {
    /// Everything a log holds, in file order within each list.
    public struct Log: Sendable {
        public var edits: [(tick: Int, delta: VValue)] = []
        public var neuronEdits: [(tick: Int, edit: NeuronEdit)] = []
        public init() {}
    }

    /// One line of the log.
    public static func line(tick: Int, delta: VValue) -> String { "\(tick)\t\(delta)" }

    /// One structural line of the log.
    public static func line(tick: Int, edit: NeuronEdit) -> String { "\(tick)\t\(edit)" }

    /// Reads the ΔW lines of a log; each edit is checked against the network so a bad log
    /// fails before rendering. (Use ``readLog(path:network:registry:)`` for structural lines.)
    public static func read(path: String, network: Network) throws(PatchError) -> [(tick: Int, delta: VValue)] {
        try readLog(path: path, network: network).edits
    }

    /// Reads a whole log: ΔW lines and neuron edits, checked in order against the network.
    public static func readLog(path: String, network: Network, registry: KindRegistry = .builtins) throws(PatchError) -> Log {
        let text = try PatchLoader.readText(path)
        var out = Log()
        var check = network
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = raw.trimmingPrefix(while: { $0 == " " })
            if l.isEmpty || l.hasPrefix("#") { continue }
            let parts = l.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let tick = Int(parts[0]) else {
                throw PatchError(file: path, line: i + 1, column: 1, message: "expected 'TICK<TAB>{…}'", sourceLine: String(raw))
            }
            do {
                if parts[1].hasPrefix("{") {
                    let d = try VValue(parsing: String(parts[1]))
                    try check.apply(delta: d)
                    out.edits.append((tick, d))
                } else {
                    let e = try NeuronEdit(parsing: String(parts[1]), registry: registry)
                    check = try e.applied(to: check)
                    out.neuronEdits.append((tick, e))
                }
            } catch let e as KindError {
                throw PatchError(file: path, line: i + 1, column: parts[0].count + 2, message: e.message, sourceLine: String(raw))
            } catch {
                throw PatchError(file: path, line: i + 1, column: parts[0].count + 2, message: "\(error)", sourceLine: String(raw))
            }
        }
        return out
    }
}
