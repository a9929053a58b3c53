/// `step(edge, x)`: 0 where x < edge, else 1 (GLSL `step`), for hard masks and thresholds.
/// Piecewise constant: gradient 0 for both inputs (the jump at x = edge has none).
public struct Step: NeuronKind {
    public static let name = "step"
    public static let summary = "x < edge ? 0 : 1 (gradient 0)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("edge"), PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    public func forward(_ io: KernelIO) {
        let e = io.inputs[0], x = io.inputs[1], y = io.outputs[0]
        let one = FastMath.V(repeating: 1), zero = FastMath.V(repeating: 0)
        var i = 0
        while i < io.count {
            Lanes.store(one.replacing(with: zero, where: Lanes.load(x, i) .< Lanes.load(e, i)), y, i); i += 16
        }
    }
    /// Zero almost everywhere; nothing to add.
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {}
}
