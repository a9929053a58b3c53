/// A DMM: named neurons of any kind and one sparse matrix wiring every output to every input.
///
/// Neuron 0 is always `one`, the constant whose weights are the patch's bare numbers. The
/// network is a plain value: editing it (a patch, a fit step, a live edit) never touches a
/// running plan until the plan is told to take the change at a tick boundary.
public struct Network: Sendable {
    public private(set) var neurons: [Neuron]
    public var matrix = SparseMatrix()
    public var timing = Timing()
    /// Seed for every random source (noise, initialisations), so renders repeat exactly.
    public var seed: UInt64 = 0

    public init() {
        neurons = [Neuron(name: "one", kind: One())]
    }

    /// Index of a neuron by name.
    public func index(of name: String) -> Int? { neurons.firstIndex { $0.name == name } }

    /// Adds a neuron; names are unique.
    @discardableResult
    public mutating func add(_ name: String, _ kind: any NeuronKind) throws(NetworkError) -> Int {
        guard index(of: name) == nil else { throw NetworkError("neuron '\(name)' is declared twice", neuron: name) }
        neurons.append(Neuron(name: name, kind: kind))
        let n = neurons.count - 1
        addPortDefaults(of: n)
        return n
    }

    /// Gives every input of neuron `n` that has no weights its port default as a weight from
    /// `one` (`sin`'s a = 1). Defaults are ordinary weights: a row written with `=` replaces
    /// them, `+=` adds to them, ΔW edits and fitting change them like any other.
    public mutating func addPortDefaults(of n: Int) {
        for (p, spec) in neurons[n].kind.inputs.enumerated() where spec.defaultValue != 0 {
            let r = PortRef(n, p)
            if matrix.rows[r] == nil { matrix.set(r, PortRef(0, 0), spec.defaultValue) }
        }
    }

    /// The default of an input port (0 when it has none).
    public func portDefault(_ r: PortRef) -> Float { neurons[r.neuron].kind.inputs[r.port].defaultValue }

    /// Replaces a neuron's kind (a live edit); rows and columns that no longer exist are dropped.
    public mutating func replaceKind(of index: Int, with kind: any NeuronKind) {
        neurons[index].kind = kind
        for (r, _) in matrix.rows where r.neuron == index && r.port >= kind.inputs.count { matrix.clearRow(r) }
        for e in matrix.entries where e.output.neuron == index && e.output.port >= kind.outputs.count {
            matrix.set(e.input, e.output, 0)
        }
        addPortDefaults(of: index)
    }

    /// The input port `neuron.input`.
    public func input(_ neuron: String, _ port: String) -> PortRef? {
        guard let n = index(of: neuron), let p = neurons[n].kind.inputs.firstIndex(where: { $0.name == port }) else { return nil }
        return PortRef(n, p)
    }

    /// The output `neuron` (its first output) or `neuron.output`.
    public func output(_ neuron: String, _ port: String? = nil) -> PortRef? {
        guard let n = index(of: neuron) else { return nil }
        guard let port else { return neurons[n].kind.outputs.isEmpty ? nil : PortRef(n, 0) }
        guard let p = neurons[n].kind.outputs.firstIndex(where: { $0.name == port }) else { return nil }
        return PortRef(n, p)
    }

    /// `neuron.input` as text.
    public func name(ofInput r: PortRef) -> String {
        "\(neurons[r.neuron].name).\(neurons[r.neuron].kind.inputs[r.port].name)"
    }

    /// `neuron` for a first output, `neuron.output` otherwise.
    public func name(ofOutput r: PortRef) -> String {
        r.port == 0 ? neurons[r.neuron].name : "\(neurons[r.neuron].name).\(neurons[r.neuron].kind.outputs[r.port].name)"
    }

    /// Ticks before frame 1 so that every path from a source reaches the picture (and the
    /// sound): the longest chain of connections into a display or audio output (loops are
    /// cut), at least 1. It depends on the matrix alone, so renderers read it before compiling.
    public var warmUpTicks: Int {
        let n = neurons.count
        // Predecessors in ascending order: where loops are cut depends on the order the search
        // visits them, and a Set's order changes from one instance to the next (the same patch
        // had a warm-up of 5 or 6 ticks, so its renders differed), so never iterate a hash order.
        var preds = Array(repeating: [Int](), count: n)
        for e in matrix.entries where e.output.neuron != 0 { preds[e.input.neuron].append(e.output.neuron) }
        for v in 0..<n { preds[v] = Array(Set(preds[v])).sorted() }
        var memo = [Int: Int](), onStack = Set<Int>()
        func depth(_ v: Int) -> Int {
            if let d = memo[v] { return d }
            if onStack.contains(v) { return 0 }
            onStack.insert(v)
            var d = 0
            for p in preds[v] where p != v { d = max(d, depth(p) + 1) }
            onStack.remove(v)
            memo[v] = d
            return d
        }
        let sinks = (0..<n).filter { neurons[$0].kind.traits.contains(.display) || neurons[$0].kind.traits.contains(.audioOut) }
        return max(1, sinks.map(depth).max() ?? 1)
    }

    /// True when some neuron draws the picture.
    public var hasDisplay: Bool { neurons.contains { $0.kind.traits.contains(.display) } }
    /// True when some neuron makes sound.
    public var hasAudio: Bool { neurons.contains { $0.kind.traits.contains(.audioOut) } }

    // MARK: Domains

    /// The stream kind every neuron runs in, inferred from what is wired into it.
    ///
    /// A pointwise neuron runs in the widest domain among the sources feeding its pointwise
    /// inputs (scalar < signal, field); feeding a field and a signal into one neuron, or a
    /// field or signal into a fixed scalar input, is an error that names the connection.
    public func domains() throws(NetworkError) -> [StreamKind] {
        // A fixed field, signal or tree output sets the domain; then a fixed field or signal
        // input (a kind that reads a signal and reports scalars, like `follow`, runs in the
        // signal stroke); a kind with only fixed scalar outputs is scalar.
        var dom = neurons.map { n -> StreamKind in
            for p in n.kind.outputs { if case .fixed(let k) = p.kind, k != .scalar { return k } }
            for p in n.kind.inputs { if case .fixed(let k) = p.kind, k == .field || k == .signal { return k } }
            return .scalar
        }
        let fixedDomain = neurons.map { n in n.kind.outputs.contains { if case .fixed = $0.kind { true } else { false } } }
        func outKind(_ o: PortRef, _ dom: [StreamKind]) -> StreamKind {
            if case .fixed(let k) = neurons[o.neuron].kind.outputs[o.port].kind { return k }
            return dom[o.neuron]
        }
        var changed = true
        var rounds = 0
        let entries = matrix.entries
        while changed && rounds <= neurons.count + 1 {
            changed = false; rounds += 1
            for e in entries {
                let n = e.input.neuron
                guard case .pointwise = neurons[n].kind.inputs[e.input.port].kind, !fixedDomain[n] else { continue }
                let k = outKind(e.output, dom)
                // A tree source makes a pointwise neuron a tree neuron when its kind runs on
                // trees (`accum`); for any other kind the check below refuses the connection.
                let takesTrees = k == .tree && neurons[n].kind is any TreeKind
                if k != .scalar && (k != .tree || takesTrees) && dom[n] == .scalar { dom[n] = k; changed = true }
            }
        }
        for e in entries {
            let n = e.input.neuron
            let src = outKind(e.output, dom)
            let spec = neurons[n].kind.inputs[e.input.port]
            let dst: StreamKind
            if case .fixed(let k) = spec.kind { dst = k } else { dst = dom[n] }
            // A scalar broadcasts into a field or a signal, and into a tree as its scalar part.
            let ok = src == dst || (src == .scalar && (dst == .field || dst == .signal || dst == .tree))
            if !ok {
                throw NetworkError("cannot connect \(src) '\(name(ofOutput: e.output))' to \(dst) input '\(name(ofInput: e.input))'",
                                   neuron: neurons[n].name, input: spec.name)
            }
        }
        return dom
    }

    // MARK: The matrix as a V-value (what Self outputs and ΔW edits add to)

    /// W as a tree: `{"s1.a": {"x": 1, "one": 6}}`, rows by input, columns by output.
    public var matrixValue: VValue {
        var v = VValue.zero
        for e in matrix.entries {
            v[path: [name(ofInput: e.input), name(ofOutput: e.output)]] = VValue(Double(e.entry.weight))
        }
        return v
    }

    /// Adds a ΔW fragment `{"row": {"col": dw}}` to the matrix: the Self neuron's delta.
    /// Unknown rows or columns are an error and nothing is applied.
    public mutating func apply(delta: VValue) throws(NetworkError) {
        var updates: [(PortRef, PortRef, Float)] = []
        for (rowKey, cols) in delta.children {
            let rp = rowKey.split(separator: ".", maxSplits: 1).map(String.init)
            guard rp.count == 2, let r = input(rp[0], rp[1]) else {
                throw NetworkError("ΔW names unknown input '\(rowKey)'")
            }
            for (colKey, w) in cols.children {
                let cp = colKey.split(separator: ".", maxSplits: 1).map(String.init)
                guard let c = output(cp[0], cp.count > 1 ? cp[1] : nil) else {
                    throw NetworkError("ΔW names unknown output '\(colKey)'")
                }
                updates.append((r, c, Float(w.number)))
            }
        }
        for (r, c, w) in updates { matrix.add(r, c, w) }
    }

    /// The ΔW that turns this matrix into `other` (for morphing a saved patch into a running one).
    public func delta(to other: Network) -> VValue { other.matrixValue - matrixValue }
}
