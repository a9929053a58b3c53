/// `cos(a·x + b)`, the quadrature partner of `sin`.
public struct Cos: PhaseKind {
    public static let name = "cos"
    public static let summary = "cos(a·x + b); a defaults to 1"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a", default: 1), PortSpec("x"), PortSpec("b")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }
    @inline(__always) public static func phase(_ u: FastMath.V) -> FastMath.V { FastMath.cos(u) }
    @inline(__always) public static func phaseDerivative(_ u: FastMath.V) -> FastMath.V { -FastMath.sin(u) }
    /// Fused `f(a·x + b)` straight from x's sources when a and b are uniform.
    public func fieldVariant(uniform: [Bool]) -> FieldVariant { phaseVariant(uniform: uniform) }
    public func forward(_ io: KernelIO) {
        let a = io.inputs[0], x = io.inputs[1], b = io.inputs[2], y = io.outputs[0]
        var i = 0
        while i < io.count {
            Lanes.store(FastMath.cos(Lanes.load(b, i).madd(Lanes.load(a, i), Lanes.load(x, i))), y, i)
            i += 16
        }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        AffinePhase.backward(io, gr) { u in -FastMath.sin(u) }
    }
}
