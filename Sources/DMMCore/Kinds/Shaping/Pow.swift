/// `pow(x, p)`: x to the power p, extended to negative x as sign(x)·|x|^p.
///
/// GLSL's `pow` is undefined for x < 0, which a signal or a centred field reaches half the
/// time; NaN would stop the render. The odd extension keeps a signal's polarity (a waveshaper:
/// p < 1 fattens, p > 1 thins), is continuous in x for p > 0, and equals the ordinary power for
/// x ≥ 0. pow(0, p) = 0 for every p. |x|^p is exp(p·ln|x|) with the exponent clamped at 88,
/// so very small |x| with p < 0 saturate at ±1.65e38 instead of overflowing.
/// Gradients: ∂/∂x = p·|x|^(p−1) (= p·|y|/|x|), ∂/∂p = y·ln|x|; both 0 at x = 0.
public struct Pow: NeuronKind {
    public static let name = "pow"
    public static let summary = "sign(x)·|x|^p (pow extended oddly to x < 0; pow(0, p) = 0)"
    public init(config: NeuronConfig) throws(KindError) {}
    public var inputs: [PortSpec] { [PortSpec("x"), PortSpec("p")] }
    public var outputs: [PortSpec] { [PortSpec("y")] }

    /// (y, |x| clamped, ln|x|, x = 0).
    @inline(__always)
    static func eval(_ x: FastMath.V, _ p: FastMath.V) -> (y: FastMath.V, a: FastMath.V, l: FastMath.V, zero: SIMDMask<SIMD16<Int32>>) {
        let zero = x .== 0
        let a = FastMath.abs(x).replacing(with: Float.leastNormalMagnitude, where: FastMath.abs(x) .< Float.leastNormalMagnitude)
        let l = FastMath.log(a)
        let m = FastMath.exp(p * l)
        // sign(x)·m: copy x's sign bit onto m; 0 where x = 0.
        var y = unsafeBitCast(FastMath.bits(m) | (FastMath.bits(x) & 0x8000_0000), to: FastMath.V.self)
        y.replace(with: 0, where: zero)
        return (y, a, l, zero)
    }

    public func forward(_ io: KernelIO) {
        let x = io.inputs[0], p = io.inputs[1], y = io.outputs[0]
        var i = 0
        while i < io.count { Lanes.store(Self.eval(Lanes.load(x, i), Lanes.load(p, i)).y, y, i); i += 16 }
    }
    public func backward(_ io: KernelIO, _ gr: KernelGrads) {
        let x = io.inputs[0], p = io.inputs[1], g = gr.outputGrads[0]
        let gx = gr.inputGrads[0], gp = gr.inputGrads[1]
        var i = 0
        while i < io.count {
            let pv = Lanes.load(p, i), gv = Lanes.load(g, i)
            let (y, a, l, zero) = Self.eval(Lanes.load(x, i), pv)
            var dx = pv * FastMath.abs(y) / a * gv
            dx.replace(with: 0, where: zero)
            var dp = y * l * gv
            dp.replace(with: 0, where: zero)
            Lanes.store(Lanes.load(gx, i) + dx, gx, i)
            Lanes.store(Lanes.load(gp, i) + dp, gp, i)
            i += 16
        }
    }
}
