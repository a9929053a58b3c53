/// Compares the scalar parts of two trees: `gt = relu(a − b)`, `lt = relu(b − a)`.
///
/// The 2022 differentiable comparison (`shared/docs/dmm.md` §6): in the duplicate detector
/// `gt` of (max-norm, 1) is how far the highest character count exceeds one. Only the root's
/// scalar part of each input is read; the derivative of relu at 0 is taken as 0.
public struct Compare: FlatTreeKind {
    public static let name = "compare"
    public static let summary = "two numbers (scalar parts of trees) → gt = relu(a−b), lt = relu(b−a)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a", .fixed(.tree)), PortSpec("b", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("gt", .fixed(.tree)), PortSpec("lt", .fixed(.tree))] }
    public var traits: KindTraits { [] }
    public var outputsAreNumbers: Bool { true }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let d = io.inputs[0][0] - io.inputs[1][0]
        TreeLanes.number(max(0, d), io.outputs[0], io.count)
        TreeLanes.number(max(0, -d), io.outputs[1], io.count)
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        let d = io.inputs[0][0] - io.inputs[1][0]
        let g = d > 0 ? grads.outputGrads[0][0] : (d < 0 ? -grads.outputGrads[1][0] : 0)
        grads.inputGrads[0][0] += g
        grads.inputGrads[1][0] -= g
    }
}
