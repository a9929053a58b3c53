/// A tree times a computed number: `scale` outputs `s · x`, every leaf of the tree `x`
/// multiplied by the scalar part of `s`.
///
/// The Clojure DMM's `smul` (jsa-aerial/DMM) with a factor the network computes: a constant
/// factor needs no neuron (it is the weight of the connection), but a factor that changes
/// while the patch runs — an envelope, a slow LFO crossfading two ΔW trees — does. Only the
/// root's scalar part of `s` is read, so any scalar neuron can drive it.
public struct Scale: FlatTreeKind {
    public static let name = "scale"
    public static let summary = "tree x, number s → s·x: every leaf of x times the scalar part of s (smul)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x", .fixed(.tree)), PortSpec("s", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        io.outputs[0].initialize(repeating: 0, count: io.count)
        TreeLanes.axpy(io.inputs[1][0], io.inputs[0], io.outputs[0], io.count)
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        let g = grads.outputGrads[0]
        TreeLanes.axpy(io.inputs[1][0], g, grads.inputGrads[0], io.count)
        grads.inputGrads[1][0] += TreeLanes.dot(g, io.inputs[0], io.count)
    }
}
