import DMMCore

extension PatchDocument {
    /// The same document with the weights of `network`: what `fit` and `live save` write.
    ///
    /// Every row line keeps its place, comment and term order; each term takes the network's
    /// weight, terms whose weight is now exactly 0 disappear (pruned), and sources new to a row
    /// are appended to its last line. Rows the document never mentioned are appended at the
    /// end; neurons it never declared are declared after its last declaration.
    public func updatingWeights(from net: Network) -> PatchDocument {
        var out = self
        // Declarations for neurons the document does not know.
        var declared = Set<String>()
        var lastDecl = -1
        for (k, l) in lines.enumerated() { if case .declaration(let d) = l.statement { declared.insert(d.name); lastDecl = k } }
        let missing = net.neurons.dropFirst().filter { !declared.contains($0.name) }
        if !missing.isEmpty {
            let newLines = missing.map { PatchLine(.declaration(Declaration(name: $0.name, kind: $0.kindName, config: $0.kind.config))) }
            out.lines.insert(contentsOf: newLines, at: lastDecl + 1)
        }
        // Rows.
        var lastLineOfRow: [PortRef: Int] = [:]
        for (k, l) in out.lines.enumerated() {
            if case .row(let r) = l.statement, let p = net.input(r.neuron, r.input) { lastLineOfRow[p] = k }
        }
        var placed: [PortRef: Set<PortRef>] = [:]
        var drop: [Int] = []
        for (k, l) in out.lines.enumerated() {
            guard case .row(var r) = l.statement, let p = net.input(r.neuron, r.input) else { continue }
            var terms: [Term] = []
            for t in r.terms {
                guard let o = net.output(t.source, t.output) else { continue }
                if placed[p, default: []].contains(o) { continue }   // merged into its first mention
                placed[p, default: []].insert(o)
                guard let e = net.matrix.rows[p]?[o] else { continue }
                var nt = t
                nt.weight = Double(e.weight); nt.frozen = e.frozen
                terms.append(nt)
            }
            if lastLineOfRow[p] == k {
                for (o, e) in net.matrix.row(p) where !placed[p, default: []].contains(o) {
                    placed[p, default: []].insert(o)
                    terms.append(Self.term(net, o, e))
                }
            }
            if terms.isEmpty && r.adds { drop.append(k); continue }
            r.terms = terms
            out.lines[k].statement = .row(r)
        }
        for k in drop.reversed() { out.lines.remove(at: k) }
        // Rows never written in the document.
        var appended: [PatchLine] = []
        for r in net.matrix.rows.keys.sorted() where lastLineOfRow[r] == nil {
            let terms = net.matrix.row(r).map { Self.term(net, $0.output, $0.entry) }
            let n = net.neurons[r.neuron]
            appended.append(PatchLine(.row(Row(neuron: n.name, input: n.kind.inputs[r.port].name, terms: terms))))
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
