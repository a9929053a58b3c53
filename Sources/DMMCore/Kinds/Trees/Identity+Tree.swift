/// `id` over trees: a relay for V-values (a named output to read or fit, one tick of delay).
extension Identity: FlatTreeKind {
    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) { forward(io) }
    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) { backward(io, grads) }
}
