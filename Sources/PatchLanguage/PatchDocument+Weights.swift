import DMMCore

extension PatchDocument {
    /// The same document with the weights of `network`: what `fit` and `live save` write.
    ///
    /// Every row line keeps its place, comment and term order; each term takes the network's
    /// weight, terms whose weight is now exactly 0 disappear (pruned), and sources new to a row
    /// are appended to its last line. Rows the document never mentioned are appended at the
    /// end; neurons it never declared are declared after its last declaration. Neurons the
    /// network no longer has (pruned as dead) lose their declaration and rows, and a row that
    /// is now empty is left out unless its port has a default (then it prints `= 0`), so the
    /// document reads back as exactly the network.
    public func updatingWeights(from net: Network) -> PatchDocument {
        var out = self
        out.lines.removeAll { line in
            switch line.statement {
            case .declaration(let d): return net.index(of: d.name) == nil
            case .row(let r): return net.index(of: r.neuron) == nil
            default: return false
            }
        }
        // Declarations for neurons the document does not know.
        var declared = Set<String>()
        var lastDecl = -1
        for (k, l) in lines.enumerated() { if case .declaration(let d) = l.statement { declared.insert(d.name); lastDecl = k } }
        let missing = net.neurons.dropFirst().filter { !declared.contains($0.name) }
        if !missing.isEmpty {
            let newLines = missing.map { PatchLine(.declaration(Declaration(name: $0.name, kind: $0.kindName, config: $0.kind.config))) }
            out.lines.insert(contentsOf: newLines, at: lastDecl + 1)
        }
        // Rows. The builder gives a row that is never set with `=` its port default (a weight
        // from `one`), so on such rows the `one` term prints as the difference from it.
        var lastLineOfRow: [PortRef: Int] = [:]
        var assigned = Set<PortRef>()
        for (k, l) in out.lines.enumerated() {
            if case .row(let r) = l.statement, let p = net.input(r.neuron, r.input) {
                lastLineOfRow[p] = k
                if !r.adds { assigned.insert(p) }
            }
        }
        let one = PortRef(0, 0)
        // The difference is taken in Double (exact for any two Floats of similar size, and
        // within a Double rounding otherwise), so default + printed difference reads back as
        // exactly the weight: in Float, 1.5e-8 − 1 would round to −1 and the weight to 0.
        func shown(_ p: PortRef, _ o: PortRef, _ w: Float) -> Double {
            (o == one && !assigned.contains(p)) ? Double(w) - Double(net.portDefault(p)) : Double(w)
        }
        // Where even the Double difference cannot carry the weight (1e-45 next to a default of
        // 1), the row's first line becomes `=`, so its weights print as they are.
        var firstLineOfRow: [PortRef: Int] = [:]
        for (k, l) in out.lines.enumerated() {
            if case .row(let r) = l.statement, let p = net.input(r.neuron, r.input), firstLineOfRow[p] == nil { firstLineOfRow[p] = k }
        }
        var flip = Set<Int>()
        for (p, k) in firstLineOfRow where !assigned.contains(p) && net.portDefault(p) != 0 {
            let w = net.matrix.rows[p]?[one]?.weight ?? 0
            let diff = shown(p, one, w)
            let read = (diff < 0 ? -1 : 1) * (NumberText.double(PatchPrinter.number(abs(diff))) ?? .nan)
            if Float(Double(net.portDefault(p)) + read).bitPattern != w.bitPattern { flip.insert(k); assigned.insert(p) }
        }
        var placed: [PortRef: Set<PortRef>] = [:]
        var drop: [Int] = []
        for (k, l) in out.lines.enumerated() {
            guard case .row(var r) = l.statement, let p = net.input(r.neuron, r.input) else { continue }
            if flip.contains(k) { r.adds = false }
            var terms: [Term] = []
            for t in r.terms {
                guard let o = net.output(t.source, t.output) else { continue }
                if placed[p, default: []].contains(o) { continue }   // merged into its first mention
                placed[p, default: []].insert(o)
                guard let e = net.matrix.rows[p]?[o] else { continue }
                let w = shown(p, o, e.weight)
                if w == 0 && !e.frozen { continue }
                var nt = t
                nt.weight = w; nt.frozen = e.frozen
                terms.append(nt)
            }
            if lastLineOfRow[p] == k {
                for (o, e) in net.matrix.row(p) where !placed[p, default: []].contains(o) {
                    placed[p, default: []].insert(o)
                    let w = shown(p, o, e.weight)
                    if w == 0 && !e.frozen { continue }
                    var t = Self.term(net, o, e)
                    t.weight = w
                    terms.append(t)
                }
                // A default port whose weight from `one` is now 0 (no entry) in a row that only
                // adds: without a term the default would come back on reading.
                if !assigned.contains(p), net.portDefault(p) != 0, net.matrix.rows[p]?[one] == nil {
                    terms.append(Term(weight: -Double(net.portDefault(p)), source: "one"))
                }
            }
            if terms.isEmpty && (r.adds || net.portDefault(p) == 0) { drop.append(k); continue }
            r.terms = terms
            out.lines[k].statement = .row(r)
        }
        for k in drop.reversed() { out.lines.remove(at: k) }
        // Rows never written in the document (a port default alone needs no line).
        var appended: [PatchLine] = []
        for r in net.matrix.rows.keys.sorted() where lastLineOfRow[r] == nil {
            let entries = net.matrix.row(r)
            if entries.count == 1, entries[0].output == one, !entries[0].entry.frozen,
               entries[0].entry.weight == net.portDefault(r) { continue }
            let terms = entries.map { Self.term(net, $0.output, $0.entry) }
            let n = net.neurons[r.neuron]
            appended.append(PatchLine(.row(Row(neuron: n.name, input: n.kind.inputs[r.port].name, terms: terms))))
        }
        // Inputs the document leaves at their default whose row is now empty need `= 0`.
        for (i, n) in net.neurons.enumerated() {
            for (pi, spec) in n.kind.inputs.enumerated() where spec.defaultValue != 0 {
                let r = PortRef(i, pi)
                if net.matrix.rows[r] == nil && lastLineOfRow[r] == nil {
                    appended.append(PatchLine(.row(Row(neuron: n.name, input: spec.name, terms: []))))
                }
            }
        }
        if !appended.isEmpty {
            if let last = out.lines.last, last.statement != .blank { out.lines.append(PatchLine(.blank)) }
            out.lines.append(contentsOf: appended)
        }
        return out
    }

    static func term(_ net: Network, _ o: PortRef, _ e: SparseMatrix.Entry) -> Term {
        let n = net.neurons[o.neuron]
        return Term(weight: Double(e.weight), source: n.name, output: o.port == 0 ? nil : n.kind.outputs[o.port].name, frozen: e.frozen)
    }
}
