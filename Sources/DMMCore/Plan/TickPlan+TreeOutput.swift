extension TickPlan {
    /// The latest value of a tree output (for `dmm trace`, tests and the distiller's targets);
    /// the empty tree for an output that is not a tree.
    public func treeOutput(neuron: Int, port: Int = 0) -> VValue {
        guard outKind[neuron][port] == .tree else { return .zero }
        return treePrev[outSlot[neuron][port]]
    }

    /// The stream kind an output carries in this plan (a pointwise kind's follows its domain).
    public func outputKind(neuron: Int, port: Int = 0) -> StreamKind { outKind[neuron][port] }
}
