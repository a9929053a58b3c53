/// `accum` over trees: wired from a tree output, the integrator runs in the tree domain and
/// sums V-values, `y(t) = y(t−1) + x(t)` (the 2022 accumulator, `shared/docs/dmm.md` §6).
///
/// The kind stays one kind: the weight-1 loop is the plan's implicit entry as in every other
/// domain, and the up movement is the identity on each lane of the flattened tree, so the
/// forward and the VJP are the scalar kernels themselves.
extension Accum: FlatTreeKind {
    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) { forward(io) }
    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) { backward(io, grads) }
}
