import DMMCore

/// The outputs a command reads by name (`--outputs cmp.gt,d`): `neuron` is its first output,
/// `neuron.port` a named one.
enum NamedOutputs {
    struct Problem: Error, CustomStringConvertible { var description: String }

    /// The outputs named in `list` (comma-separated), or, for nil, every output of every
    /// neuron but `one`, in patch order.
    static func resolve(_ list: String?, in net: Network) throws(Problem) -> [(name: String, ref: PortRef)] {
        guard let list else {
            var all: [(name: String, ref: PortRef)] = []
            for i in 1..<net.neurons.count {
                for p in net.neurons[i].kind.outputs.indices { all.append((net.name(ofOutput: PortRef(i, p)), PortRef(i, p))) }
            }
            return all
        }
        var out: [(name: String, ref: PortRef)] = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            let name = raw.trimmingCharacters(in: " ")
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            guard !name.isEmpty, let ref = net.output(parts[0], parts.count > 1 ? parts[1] : nil) else {
                throw Problem(description: "--outputs: no output \(DiagnosticText.quoted(name)) in the patch")
            }
            out.append((name, ref))
        }
        return out
    }
}

extension NamedOutputs {
    /// The stream kind of output `ref` of `net`, given the network's domains (no plan needed).
    static func kind(of ref: PortRef, in net: Network, domains: [StreamKind]) -> StreamKind {
        if case .fixed(let k) = net.neurons[ref.neuron].kind.outputs[ref.port].kind { return k }
        return domains[ref.neuron]
    }

    /// Tree outputs that can only carry a number (a scalar part, no keys): outputs of kinds
    /// that compute numbers (`maxnorm`, `dot`, `compare`), and of relays and accumulators
    /// (`id`, `accum`) fed only by such outputs or by scalars. `dmm trace` prints them as
    /// numbers.
    static func numberValued(_ net: Network, plan: TickPlan) -> Set<PortRef> {
        var numbers = Set<PortRef>()
        for (i, n) in net.neurons.enumerated() {
            if let k = n.kind as? any FlatTreeKind, k.outputsAreNumbers {
                for p in k.outputs.indices { numbers.insert(PortRef(i, p)) }
            }
            if n.kind is CloneKind { numbers.insert(PortRef(i, 0)) }   // generations grown
        }
        var sources = [[PortRef]](repeating: [], count: net.neurons.count)
        for e in net.matrix.entries { sources[e.input.neuron].append(e.output) }
        let isScalarSource = { (o: PortRef) -> Bool in plan.outputKind(neuron: o.neuron, port: o.port) == .scalar }
        var changed = true
        while changed {
            changed = false
            for (i, n) in net.neurons.enumerated() where n.kind is Identity || n.kind is Accum {
                let o = PortRef(i, 0)
                guard !numbers.contains(o), !sources[i].isEmpty else { continue }
                if sources[i].allSatisfy({ $0 == o || numbers.contains($0) || isScalarSource($0) }) {
                    numbers.insert(o); changed = true
                }
            }
        }
        return numbers
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}

/// JSON text of trace values: numbers in Float's shortest form, trees as nested objects with
/// sorted keys (the scalar part of a tree with children under "number").
enum TraceJSON {
    static func number(_ x: Double) -> String {
        let f = Float(x)
        guard f.isFinite else { return "null" }
        if f == f.rounded(), abs(f) < 1e7 { return String(Int(f)) }
        return "\(f)"
    }

    static func string(_ s: String) -> String { JSONText.string(s) }

    static func tree(_ v: VValue) -> String {
        var parts: [String] = []
        if v.number != 0 { parts.append("\"\(VValue.numberKey)\": " + number(v.number)) }
        for k in v.children.keys.sorted() {
            let c = v.children[k]!
            parts.append(string(k) + ": " + (c.children.isEmpty ? number(c.number) : tree(c)))
        }
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
