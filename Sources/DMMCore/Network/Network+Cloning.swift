extension Network {
    /// The network with a copy of the subnetwork `names`: a patch that grows.
    ///
    /// Each named neuron gets a twin `prefix + name` of the same kind and configuration. The
    /// twin's rows copy the original's, weights times `scale`: a source inside the subnetwork
    /// is replaced by its twin (so the copy is wired as the original, among its own neurons),
    /// a source outside it is shared (the copy hears the same clock, coordinates, inputs).
    /// Nothing outside reads the twins yet: they are silent until a weight connects them, which
    /// a ΔW (live, or from Self) can do on any later tick. Cloning the clone grows the patch
    /// fractal-like; `scale` below 1 makes each generation quieter than the last.
    ///
    /// Errors: an unknown name, `one`, or a twin name that is taken.
    public func cloning(_ names: [String], prefix: String, scale: Float = 1) throws(NetworkError) -> Network {
        try cloning(names, as: names.map { prefix + $0 }, scale: scale)
    }

    /// ``cloning(_:prefix:scale:)`` with the twins' names given one by one (`twins[k]` is the
    /// twin of `names[k]`): the `clone` kind names generation k + 1 after the originals, not
    /// after generation k (`g2_a`, not `g2_g1_a`). The one implementation of cloning.
    public func cloning(_ names: [String], as twins: [String], scale: Float = 1) throws(NetworkError) -> Network {
        guard scale.isFinite else { throw NetworkError("clone scale must be finite") }
        guard !names.isEmpty else { throw NetworkError("clone needs at least one neuron") }
        guard twins.count == names.count else { throw NetworkError("clone needs one twin name per neuron") }
        var out = self
        var twin: [Int: Int] = [:]
        for (name, copy) in zip(names, twins) {
            guard let i = index(of: name) else { throw NetworkError("clone: no neuron named '\(name)'", neuron: name) }
            if i == 0 { throw NetworkError("'one' cannot be cloned") }
            if twin[i] != nil { continue }
            guard out.index(of: copy) == nil else { throw NetworkError("clone: '\(copy)' exists already", neuron: copy) }
            let j = try out.add(copy, neurons[i].kind)
            // Rows come from the original exactly (an emptied `s.a = 0` stays empty), not
            // from the port defaults `add` writes.
            for p in neurons[i].kind.inputs.indices { out.matrix.clearRow(PortRef(j, p)) }
            twin[i] = j
        }
        for e in matrix.entries {
            guard let r = twin[e.input.neuron] else { continue }
            let src = twin[e.output.neuron].map { PortRef($0, e.output.port) } ?? e.output
            let w = e.entry.weight * scale
            guard w.isFinite else { throw NetworkError("clone: weight \(e.entry.weight) × \(scale) overflows") }
            out.matrix.set(PortRef(r, e.input.port), src, w, frozen: e.entry.frozen)
        }
        _ = try out.domains()
        return out
    }
}
