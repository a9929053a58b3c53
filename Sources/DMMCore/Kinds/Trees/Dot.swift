/// The inner product of two trees, Σ over common leaf paths of a·b, clipped to ±4.
///
/// The clip is the 2022 "governor" (`shared/docs/dmm.md` §6), added after a recurrent
/// blow-up; past it the output is flat and the gradient is 0. Dotting a tree with a one-leaf
/// constant reads that leaf: `dot(accum, const(tree: "{.: 1}"))` counts end symbols, and
/// `dot(W, const(tree: "{s1.a: {one: 1}}"))` reads one weight of Self's matrix.
public struct Dot: FlatTreeKind {
    public static let name = "dot"
    public static let summary = "two trees → number: inner product Σ a·b, clipped to ±4"
    /// The governor's bound.
    public static let limit: Float = 4
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a", .fixed(.tree)), PortSpec("b", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }
    public var outputsAreNumbers: Bool { true }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let s = TreeLanes.dot(io.inputs[0], io.inputs[1], io.count)
        TreeLanes.number(min(Self.limit, max(-Self.limit, s)), io.outputs[0], io.count)
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        let s = TreeLanes.dot(io.inputs[0], io.inputs[1], io.count)
        guard abs(s) < Self.limit else { return }
        let g = grads.outputGrads[0][0]
        TreeLanes.axpy(g, io.inputs[1], grads.inputGrads[0], io.count)
        TreeLanes.axpy(g, io.inputs[0], grads.inputGrads[1], io.count)
    }
}
