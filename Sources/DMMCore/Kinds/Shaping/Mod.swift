/// `mod(a, b) = a − b·⌊a/b⌋` (GLSL `mod`): the remainder with b's sign, for repeating space
/// with a period that can itself move (`mod(x + t, 0.5)`).
///
/// Gradients between the jumps: ∂/∂a = 1, ∂/∂b = −⌊a/b⌋. GLSL leaves b = 0 undefined; here
/// mod(a, 0) = a (gradients 1 and 0), so a period swept through 0 cannot make NaN.
public struct Mod: NeuronKind {
    public static let name = "mod"
    public static let summary = "a − b·⌊a/b⌋ (GLSL mod; mod(a, 0) = a)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("a"), PortSpec("b")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }

    /// ⌊a/b⌋, with 0 where b = 0 (so the result is a).
    @inline(__always)
    static func quotient(_ a: FastMath.V, _ b: FastMath.V) -> FastMath.V {
        let zero = b .== 0
        let q = FastMath.floorAll(a / b.replacing(with: 1, where: zero))
        return q.replacing(with: 0, where: zero)
    }

    public func forward(_ io: KernelIO) {
        let a = io.inputs[0], b = io.inputs[1], y = io.outputs[0]
        var i = 0
        while i < io.count {
            let av = Lanes.load(a, i), bv = Lanes.load(b, i)
            Lanes.store(av.madd(-bv, Self.quotient(av, bv)), y, i); i += 16
        }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let a = io.inputs[0], b = io.inputs[1], g = gr.outputGrads[0]
        let ga = gr.inputGrads[0], gb = gr.inputGrads[1]
        var i = 0
        while i < io.count {
            let gv = Lanes.load(g, i)
            Lanes.store(Lanes.load(ga, i) + gv, ga, i)
            Lanes.store(Lanes.load(gb, i).madd(-gv, Self.quotient(Lanes.load(a, i), Lanes.load(b, i))), gb, i)
            i += 16
        }
    }
}
