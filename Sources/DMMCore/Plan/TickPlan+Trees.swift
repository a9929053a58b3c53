/// The tree stroke: neurons whose ports carry V-values, Self among them.
extension TickPlan {
    /// Runs every tree neuron once and returns the ΔW that Self received this tick (nil when
    /// the patch has no Self). Tree inputs are Σ w · V-value outputs of the previous tick.
    func treeStroke(_ base: KernelContext) -> VValue? {
        var delta: VValue?
        for i in treeNeurons {
            let kind = network.neurons[i].kind
            var inputs: [VValue] = []
            for p in 0..<kind.inputs.count {
                let r = rowOf[i][p]
                var v = VValue(number: Double(constantPart(r)))
                if inKind[i][p] == .tree {
                    for k in streamStart[r]..<streamStart[r + 1] { v.add(treePrev[streamSlot[k]], scaledBy: Double(streamW[k])) }
                }
                inputs.append(v)
            }
            let outputs: [VValue]
            if kind is SelfKind {
                delta = (delta ?? .zero) + (inputs.first ?? .zero)
                // Materialise W only when some row reads it: it is the whole matrix.
                outputs = [outSlot[i].contains(where: treeSlotsRead.contains) ? network.matrixValue : .zero]
            } else if let g = kind as? CloneKind {
                outputs = growthStroke(i, g, gate: inputs.first ?? .zero, tick: base.tick)
            } else if let tk = kind as? any TreeKind {
                var ctx = base
                ctx.seed = seed(for: i)
                outputs = tk.forwardTree(inputs, context: ctx)
            } else {
                outputs = kind.outputs.map { _ in .zero }
            }
            for (o, s) in outSlot[i].enumerated() where outKind[i][o] == .tree && o < outputs.count { treeNext[s] = outputs[o] }
        }
        return delta
    }
}

/// A kind whose ports carry V-values: it maps input trees to output trees once per tick.
public protocol TreeKind: NeuronKind {
    func forwardTree(_ inputs: [VValue], context: KernelContext) -> [VValue]
}

extension TreeKind {
    /// Tree kinds have no float lanes.
    public func forward(_ io: KernelIO) {}
    public var traits: KindTraits { [.notDifferentiable] }
}
