/// `smoothstep(lo, hi, x)`: 0 below lo, 1 above hi, the Hermite t²(3 − 2t) between, with
/// t = (x − lo)/(hi − lo) (GLSL `smoothstep`): soft masks and edges.
///
/// lo > hi gives the falling edge (GLSL leaves it undefined; the formula is kept). lo = hi is
/// a hard `step(lo, x)` with gradient 0. Gradients: with s = 6t(1 − t) inside (0 outside) and
/// d = hi − lo, ∂/∂x = s/d, ∂/∂lo = s·(x − hi)/d², ∂/∂hi = −s·t/d.
public struct Smoothstep: NeuronKind {
    public static let name = "smoothstep"
    public static let summary = "Hermite edge from lo to hi (GLSL smoothstep; lo = hi is a step)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("lo"), PortSpec("hi"), PortSpec("x")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }

    /// t clamped to [0, 1], and whether the edge is degenerate (lo = hi).
    @inline(__always)
    static func t(_ lo: FastMath.V, _ hi: FastMath.V, _ x: FastMath.V) -> (t: FastMath.V, d: FastMath.V, flat: SIMDMask<SIMD16<Int32>>) {
        let d = hi - lo
        let flat = d .== 0
        var t = (x - lo) / d.replacing(with: 1, where: flat)
        t.replace(with: FastMath.V(repeating: 1).replacing(with: 0, where: x .< lo), where: flat)
        return (FastMath.clamp(t, 0, 1), d, flat)
    }

    public func forward(_ io: KernelIO) {
        let lo = io.inputs[0], hi = io.inputs[1], x = io.inputs[2], y = io.outputs[0]
        var i = 0
        while i < io.count {
            let t = Self.t(Lanes.load(lo, i), Lanes.load(hi, i), Lanes.load(x, i)).t
            Lanes.store(t * t * FastMath.V(repeating: 3).madd(-2, t), y, i); i += 16
        }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let lo = io.inputs[0], hi = io.inputs[1], x = io.inputs[2], g = gr.outputGrads[0]
        let glo = gr.inputGrads[0], ghi = gr.inputGrads[1], gx = gr.inputGrads[2]
        var i = 0
        while i < io.count {
            let lv = Lanes.load(lo, i), hv = Lanes.load(hi, i), xv = Lanes.load(x, i)
            let (t, d, flat) = Self.t(lv, hv, xv)
            var s = 6 * t * (1 - t) * Lanes.load(g, i)        // 0 where t is clamped
            s.replace(with: 0, where: flat)
            let dx = s / d.replacing(with: 1, where: flat)
            Lanes.store(Lanes.load(gx, i) + dx, gx, i)
            Lanes.store(Lanes.load(glo, i).madd(dx, (xv - hv) / d.replacing(with: 1, where: flat)), glo, i)
            Lanes.store(Lanes.load(ghi, i).madd(-dx, t), ghi, i)
            i += 16
        }
    }
}
