import DMMCore
import PatchLanguage
import Rendering

/// One weight of the matrix named the way a live coder names it: the row `neuron.input` and
/// the column `neuron` (first output) or `neuron.output`.
///
/// Names, not indices: a structural edit (a neuron added or removed) renumbers neurons, and a
/// glide or an undo record must keep pointing at the same weight across it.
public struct WeightKey: Hashable, Sendable, CustomStringConvertible {
    public var row: String
    public var column: String
    public init(row: String, column: String) { self.row = row; self.column = column }
    public var description: String { "\(row) ← \(column)" }

    /// The (row, column) ports in `net`, or an error that says which name is unknown.
    func resolve(in net: Network) throws(LiveError) -> (PortRef, PortRef) {
        let rp = row.split(separator: ".", maxSplits: 1).map(String.init)
        guard rp.count == 2 else { throw LiveError("'\(row)' is not an input: write neuron.input, e.g. s1.a") }
        guard let n = net.index(of: rp[0]) else { throw LiveError("unknown neuron '\(rp[0])'\(Suggest.hint(rp[0], net.neurons.map(\.name)))") }
        guard let r = net.input(rp[0], rp[1]) else {
            let ins = net.neurons[n].kind.inputs.map(\.name)
            let what = ins.isEmpty ? "it has no inputs" : "its inputs are " + ins.joined(separator: ", ")
            throw LiveError("'\(rp[0])' (\(net.neurons[n].kindName)) has no input '\(rp[1])'\(Suggest.hint(rp[1], ins)); \(what)")
        }
        let cp = column.split(separator: ".", maxSplits: 1).map(String.init)
        guard let m = net.index(of: cp[0]) else { throw LiveError("unknown neuron '\(cp[0])'\(Suggest.hint(cp[0], net.neurons.map(\.name)))") }
        guard let c = net.output(cp[0], cp.count > 1 ? cp[1] : nil) else {
            let outs = net.neurons[m].kind.outputs.map(\.name)
            if outs.isEmpty { throw LiveError("'\(cp[0])' (\(net.neurons[m].kindName)) has no outputs to read") }
            throw LiveError("'\(cp[0])' has no output '\(cp[1])'\(Suggest.hint(cp[1], outs)); its outputs are \(outs.joined(separator: ", "))")
        }
        return (r, c)
    }

    /// The canonical key of a (row, column) pair of `net`.
    static func of(_ r: PortRef, _ c: PortRef, in net: Network) -> WeightKey {
        WeightKey(row: net.name(ofInput: r), column: net.name(ofOutput: c))
    }
}

/// What a live edit does to the running network. Every edit ends up as ΔW fragments (and, for
/// `declare`/`remove`, a ``NeuronEdit``) applied at a tick boundary.
public enum LiveEdit: Sendable {
    /// Sets one weight (`set`, `connect`, `cut`); with a duration it glides there, one small
    /// ΔW per tick.
    case set(WeightKey, value: Double, over: LiveDuration?)
    /// A whole row in patch syntax: `s1.a = 6 + 2 t` replaces the row, `+=` adds terms.
    case row(String, terms: [(column: String, weight: Double)], adds: Bool)
    /// A raw ΔW fragment `{row:{column:dw}}`, added as is (the DMM's own edit).
    case delta(VValue)
    /// Declares a neuron (`add s3: sin`), or gives an existing one a new kind.
    case declare(name: String, kind: String, config: NeuronConfig)
    /// Removes a neuron and every weight touching it.
    case remove(name: String)
    /// Clones the subnetwork `names` (`clone a,b as g scale 0.5`): twins `prefix + name` whose
    /// rows are the originals' × scale, silent until connected (`Network.cloning`).
    case clone(names: [String], prefix: String, scale: Double)
    /// Reverts the most recent edit that is not itself an undo.
    case undo
    /// Morphs the running network into a saved one (`--watch`) over a duration.
    case morph(to: Network, document: PatchDocument, over: LiveDuration)

    /// True for edits that change the neuron list (applied before any ΔW of their tick).
    var isStructural: Bool {
        switch self {
        case .declare, .remove, .morph, .clone: true
        default: false
        }
    }

    /// One line for messages and the `applied` event.
    public var summary: String {
        switch self {
        case .set(let k, let v, let over):
            let src = k.column == "one" ? "" : " \(k.column)"
            return over.map { "glide \(k.row) \(VNumber.text(v))\(src) over \($0)" } ?? "set \(k.row) \(VNumber.text(v))\(src)"
        case .row(let r, let terms, let adds):
            let t = terms.map { Term(weight: $0.weight, source: Self.source($0.column), output: Self.output($0.column)) }
            return "\(r) \(adds ? "+=" : "=") \(PatchPrinter.termsText(t))"
        case .delta(let d): return "delta \(d)"
        case .declare(let n, let k, let c):
            return "add \(n): " + PatchPrinter.declarationText(Declaration(name: n, kind: k, config: c))
        case .remove(let n): return "remove \(n)"
        case .clone(let names, let prefix, let scale): return NeuronEdit.cloneText(names: names, prefix: prefix, scale: scale)
        case .undo: return "undo"
        case .morph(_, let doc, let over): return "reload \(doc.file) (morph over \(over))"
        }
    }

    static func source(_ column: String) -> String { String(column.split(separator: ".", maxSplits: 1)[0]) }
    static func output(_ column: String) -> String? {
        let p = column.split(separator: ".", maxSplits: 1)
        return p.count > 1 ? String(p[1]) : nil
    }
}

/// A parsed line of the live command language.
public enum LiveCommand: Sendable {
    /// An edit, applied at the next tick or at tick `at`.
    case edit(LiveEdit, at: EditTime)
    case show(String?)
    case matrix
    case save(String?)
    case step(Int)
    case status
    case help(String?)
    case quit
    /// A blank line or a comment.
    case nothing
}

/// When an edit applies.
public enum EditTime: Sendable, Equatable {
    /// At the next tick boundary.
    case next
    /// At an absolute tick (frame f is tick f − 1).
    case tick(Int)
    /// This many ticks after the tick the edit was received at.
    case later(Int)
    /// On the first tick of the n-th bar line from now (`at +1bar`, `at bar`; see `BeatGrid`).
    case bar(Int)
    /// On the first tick of the n-th beat line from now (`at beat`, `at +2beat`).
    case beat(Int)
}

/// "did you mean" hints: the patch loader's rule (`NameSuggestion`), for live names.
enum Suggest {
    static func hint(_ name: String, _ candidates: [String]) -> String {
        NameSuggestion.hint(name, among: candidates)
    }
}
