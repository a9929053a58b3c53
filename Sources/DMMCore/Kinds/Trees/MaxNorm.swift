/// The max-norm of a tree: the largest |leaf|, as a number (0 for the empty tree).
///
/// In the duplicate detector (arXiv 1606.09470 §3) it reads an accumulator of characters, so
/// it is the highest count of any character so far. Its VJP sends the cotangent to the first
/// lane holding the largest magnitude, with that leaf's sign (a subgradient at ties and at 0).
public struct MaxNorm: FlatTreeKind {
    public static let name = "maxnorm"
    public static let summary = "tree → number: the largest |leaf| (max-norm of a V-value)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x", .fixed(.tree))] }
    public var outputs: [PortSpec] { [PortSpec("y", .fixed(.tree))] }
    public var traits: KindTraits { [] }
    public var outputsAreNumbers: Bool { true }

    /// The lane of the largest |x| (the first of equals), nil when every lane is 0.
    static func argmax(_ x: UnsafePointer<Float>, _ count: Int) -> Int? {
        var best: Int?, m: Float = 0
        for i in 0..<count where abs(x[i]) > m { m = abs(x[i]); best = i }
        return best
    }

    public func forwardFlat(_ io: KernelIO, layout: TreeLayout) {
        let x = io.inputs[0]
        TreeLanes.number(Self.argmax(x, io.count).map { abs(x[$0]) } ?? 0, io.outputs[0], io.count)
    }

    public func backwardFlat(_ io: KernelIO, _ grads: KernelGrads, layout: TreeLayout) {
        let x = io.inputs[0]
        guard let k = Self.argmax(x, io.count) else { return }
        grads.inputGrads[0][k] += x[k] > 0 ? grads.outputGrads[0][0] : -grads.outputGrads[0][0]
    }
}
