extension Network {
    /// The same network without the neurons in `names`: their rows and every weight reading
    /// them are gone; every other weight, frozen flag and empty row keeps its meaning.
    ///
    /// Rows are carried over exactly (port defaults are *not* added again: a row that was
    /// emptied, such as `s.a = 0`, stays empty), so the result computes what the original
    /// computed wherever the removed neurons did not reach.
    public func removingNeurons(_ names: Set<String>) throws(NetworkError) -> Network {
        if names.contains("one") { throw NetworkError("'one' cannot be removed") }
        var out = Network()
        out.timing = timing
        out.seed = seed
        var map: [Int: Int] = [0: 0]
        for (i, n) in neurons.enumerated() where i > 0 && !names.contains(n.name) {
            map[i] = try out.add(n.name, n.kind)
        }
        out.matrix = SparseMatrix()
        for e in matrix.entries {
            guard let r = map[e.input.neuron], let c = map[e.output.neuron] else { continue }
            out.matrix.set(PortRef(r, e.input.port), PortRef(c, e.output.port), e.entry.weight, frozen: e.entry.frozen)
        }
        _ = try out.domains()
        return out
    }

    /// Names of the neurons that cannot affect the picture or the sound: no chain of non-zero
    /// weights leads from any of their outputs to a display or audio neuron (or to a neuron
    /// that reads or writes the matrix itself, which is kept with everything feeding it).
    public var deadNeurons: Set<String> {
        var live = Set<Int>([0])
        var stack: [Int] = []
        for (i, n) in neurons.enumerated() {
            let k = n.kind
            let touchesTrees = (k.inputs + k.outputs).contains { if case .fixed(.tree) = $0.kind { true } else { false } }
            if k.traits.contains(.display) || k.traits.contains(.audioOut) || touchesTrees { live.insert(i); stack.append(i) }
        }
        var readers = [[Int]](repeating: [], count: neurons.count)   // input neuron → output neurons it reads
        for e in matrix.entries where e.entry.weight != 0 { readers[e.input.neuron].append(e.output.neuron) }
        while let n = stack.popLast() {
            for src in readers[n] where !live.contains(src) { live.insert(src); stack.append(src) }
        }
        return Set(neurons.indices.filter { !live.contains($0) }.map { neurons[$0].name })
    }

    /// The network without its dead neurons (`deadNeurons`): what `dmm fit --prune` writes.
    public func removingDeadNeurons() -> Network {
        let dead = deadNeurons
        guard !dead.isEmpty else { return self }
        // Removing neurons nothing live reads cannot make a connection invalid.
        return (try? removingNeurons(dead)) ?? self
    }
}
