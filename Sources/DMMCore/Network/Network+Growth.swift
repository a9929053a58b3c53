extension Network {
    /// The `clone` neurons (`CloneKind`), by index, in neuron order.
    public var growthNeurons: [(index: Int, kind: CloneKind)] {
        neurons.indices.compactMap { i in (neurons[i].kind as? CloneKind).map { (i, $0) } }
    }

    /// Checks what a `clone` neuron names against the network, so a typo in `of` is an error
    /// when the patch loads rather than a growth that silently never happens.
    public func checkGrowth() throws(NetworkError) {
        for (i, k) in growthNeurons {
            let owner = neurons[i].name
            guard !k.names.isEmpty else {
                throw NetworkError("clone '\(owner)': 'of' is required: the neurons to clone, as in of: \"a b\"", neuron: owner)
            }
            for n in k.names {
                guard let j = index(of: n) else {
                    throw NetworkError("clone '\(owner)': 'of' names '\(n)', which the patch does not declare", neuron: owner)
                }
                if j == i { throw NetworkError("clone '\(owner)': 'of' names the clone neuron itself", neuron: owner) }
                if neurons[j].kind is CloneKind { throw NetworkError("clone '\(owner)': 'of' names '\(n)', another clone neuron", neuron: owner) }
            }
        }
    }

    /// The network once every `clone` neuron has grown all its generations (in neuron order;
    /// a growth that fails ends that neuron's growth). Twin names are deterministic, so this
    /// names every neuron a render can ever have: `dmm render --matrix` lays out its heat
    /// map over it (one size for every frame), `dmm trace` resolves `--outputs` against it.
    /// Without `clone` neurons it is the network itself.
    public func fullyGrown() -> Network {
        var net = self
        for (i, k) in growthNeurons {
            while let next = try? k.grow(net, owner: neurons[i].name) { net = next }
        }
        return net
    }
}
